import { type CliOption, intFlag, type ParsedCli, UsageError } from "@proj/ws-core/cli";
import type { CommandInput } from "../protocol/commands.js";
import { type Subcommand, secondsFlag, stringValue } from "./args.js";
import { call, client, clientOptions, print } from "./client-commands.js";

// The agent commands (navigate, evaluate, wait_for, snapshot, click, fill, type, console) as CLI commands:
// each builds one command from its arguments and prints the answer (exit 1 when it failed).

const tabOption: CliOption = { type: "string", valueName: "N", description: "the tab (default: the active one)" };
const elementOptions: Record<string, CliOption> = {
  ref: { type: "string", valueName: "REF", description: "the element with this ref (from snapshot)" },
  selector: { type: "string", valueName: "CSS", description: "the first element this CSS selector finds" },
};
const loadOptions: Record<string, CliOption> = {
  "wait-until": {
    type: "string",
    valueName: "load|domcontentloaded|none",
    description: "what to wait for (default load)",
  },
  timeout: { type: "string", valueName: "SECONDS", description: "give up after this long (default 30)" },
};

type Values = ParsedCli["values"];

function common(values: Values): Partial<CommandInput> {
  const tabId = intFlag(values, "tab-id");
  const timeout = secondsFlag(values, "timeout");
  const waitUntil = stringValue(values, "wait-until");
  return {
    ...(tabId !== undefined ? { tab_id: tabId } : {}),
    ...(timeout !== undefined ? { timeout } : {}),
    ...(waitUntil !== undefined ? { wait_until: waitUntil } : {}),
  };
}

function element(values: Values, required: boolean): { ref?: string; selector?: string } {
  const ref = stringValue(values, "ref");
  const selector = stringValue(values, "selector");
  if (ref && selector) throw new UsageError("give --ref or --selector, not both");
  if (required && !ref && !selector) throw new UsageError("name the element with --ref REF or --selector CSS");
  return { ...(ref ? { ref } : {}), ...(selector ? { selector } : {}) };
}

/** One positional argument, or a UsageError naming it. */
function one(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`give one ${what} (quote it), got ${positionals.length}`);
  return positionals[0] as string;
}

function agentCommand(spec: {
  summary: string;
  usage: string;
  options?: Record<string, CliOption>;
  positionals?: boolean;
  examples?: string[];
  build(values: Values, positionals: string[]): CommandInput;
}): Subcommand {
  return {
    summary: spec.summary,
    usage: [spec.usage],
    options: { ...spec.options, "tab-id": tabOption, ...clientOptions },
    ...(spec.positionals ? { positionals: true } : {}),
    ...(spec.examples ? { examples: spec.examples } : {}),
    async run({ values, positionals }) {
      if (!spec.positionals && positionals.length) throw new UsageError(`unexpected argument: ${positionals[0]}`);
      const command = spec.build(values, positionals);
      return print(await call(client(values), (c) => c.command(command)));
    },
  };
}

const history = (type: "go_back" | "go_forward" | "reload", summary: string) =>
  agentCommand({
    summary,
    usage: "[options]",
    options: loadOptions,
    build: (values) => ({ ...common(values), type }),
  });

export const agentCommands: Record<string, Subcommand> = {
  navigate: agentCommand({
    summary: "load a URL in the tab and wait for it",
    usage: "URL [options]",
    options: loadOptions,
    positionals: true,
    examples: ["chrome-bridge navigate https://example.com", "chrome-bridge navigate localhost:3000 --wait-until none"],
    build: (values, p) => ({ ...common(values), type: "navigate", url: one(p, "URL") }),
  }),
  back: history("go_back", "go back one history entry"),
  forward: history("go_forward", "go forward one history entry"),
  reload: history("reload", "reload the page"),
  eval: agentCommand({
    summary: "run JavaScript in the page, print its JSON result",
    usage: "EXPRESSION [options]",
    options: {
      function: { type: "boolean", description: "EXPRESSION is a function body (use return; await works)" },
      timeout: loadOptions.timeout as CliOption,
    },
    positionals: true,
    examples: [`chrome-bridge eval "document.title"`, `chrome-bridge eval --function "return location.href"`],
    build: (values, p) => ({
      ...common(values),
      type: "evaluate",
      expression: one(p, "expression"),
      ...(values.function ? { function: true } : {}),
    }),
  }),
  "wait-for": agentCommand({
    summary: "wait for a selector, a text, or a navigation",
    usage: "(--selector CSS [--state S] | --text T | --navigation | --url-contains PART) [options]",
    options: {
      selector: elementOptions.selector as CliOption,
      state: { type: "string", valueName: "visible|attached|hidden", description: "of --selector (default visible)" },
      text: { type: "string", valueName: "TEXT", description: "text present on the page" },
      navigation: { type: "boolean", description: "the next page load" },
      // Not --url: that names the server, as for every client command.
      "url-contains": { type: "string", valueName: "PART", description: "a loaded page whose URL contains PART" },
      timeout: loadOptions.timeout as CliOption,
    },
    examples: ["chrome-bridge wait-for --selector '#result'", "chrome-bridge wait-for --text 'Thank you'"],
    build: (values) => {
      const fields = ["selector", "state", "text", "url-contains"].flatMap((k) => {
        const v = stringValue(values, k);
        return v === undefined ? [] : [[k === "url-contains" ? "url" : k, v]];
      });
      return {
        ...common(values),
        type: "wait_for",
        ...Object.fromEntries(fields),
        ...(values.navigation ? { navigation: true } : {}),
      };
    },
  }),
  snapshot: agentCommand({
    summary: "the page's interactive elements (with refs) and visible text",
    usage: "[options]",
    options: {
      "max-text": { type: "string", valueName: "N", description: "characters of text at most (default 4000)" },
      "max-elements": { type: "string", valueName: "N", description: "elements at most (default 300)" },
    },
    build: (values) => {
      const maxText = intFlag(values, "max-text");
      const maxElements = intFlag(values, "max-elements");
      return {
        ...common(values),
        type: "snapshot",
        ...(maxText !== undefined ? { max_text: maxText } : {}),
        ...(maxElements !== undefined ? { max_elements: maxElements } : {}),
      };
    },
  }),
  click: agentCommand({
    summary: "click an element (--ref, --selector) or at the pointer",
    usage: "[--ref REF | --selector CSS] [options]",
    options: {
      ...elementOptions,
      button: { type: "string", valueName: "left|right|middle", description: "the button (default left)" },
      double: { type: "boolean", description: "a double click" },
    },
    examples: ["chrome-bridge click --ref e3", "chrome-bridge click --selector 'button[type=submit]'"],
    build: (values) => ({
      ...common(values),
      type: "mouse_click",
      ...element(values, false),
      ...(stringValue(values, "button") ? { button: stringValue(values, "button") } : {}),
      ...(values.double ? { double: true } : {}),
    }),
  }),
  fill: agentCommand({
    summary: "replace the value of a field, text area or select",
    usage: "(--ref REF | --selector CSS) VALUE [options]",
    options: elementOptions,
    positionals: true,
    examples: ["chrome-bridge fill --ref e5 'Ada Lovelace'", "chrome-bridge fill --selector '#email' ada@example.com"],
    build: (values, p) => ({ ...common(values), type: "fill", ...element(values, true), value: one(p, "VALUE") }),
  }),
  type: agentCommand({
    summary: "type text into the focused element, or into --ref/--selector",
    usage: "TEXT [--ref REF | --selector CSS] [options]",
    options: elementOptions,
    positionals: true,
    examples: ["chrome-bridge type 'hello' --selector textarea"],
    build: (values, p) => ({
      ...common(values),
      type: "keyboard_type",
      ...element(values, false),
      text: one(p, "TEXT"),
    }),
  }),
  console: agentCommand({
    summary: "the tab's recent console messages and page errors",
    usage: "[options]",
    options: {
      limit: { type: "string", valueName: "N", description: "the most recent N at most (default 100)" },
      clear: { type: "boolean", description: "forget the messages printed" },
    },
    build: (values) => {
      const limit = intFlag(values, "limit", { min: 1, max: 1000 });
      return {
        ...common(values),
        type: "console",
        ...(limit !== undefined ? { limit } : {}),
        ...(values.clear ? { clear: true } : {}),
      };
    },
  }),
};
