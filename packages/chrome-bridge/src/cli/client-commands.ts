import { writeFile } from "node:fs/promises";
import { extname } from "node:path";
import { CliError, type CliOption, intFlag, type ParsedCli, UsageError } from "@proj/ws-core/cli";
import { BridgeClient } from "../client/rest-client.js";
import type { CommandInput } from "../protocol/commands.js";
import { DEFAULT_REST_URL } from "../protocol/constants.js";
import type { RestEnvelope } from "../protocol/rest.js";
import { type Subcommand, stringValue, tokenOption } from "./args.js";

export const clientOptions: Record<string, CliOption> = {
  url: {
    type: "string",
    valueName: "URL",
    description: `the server's REST address ($CHROME_BRIDGE_URL, else ${DEFAULT_REST_URL})`,
  },
  token: tokenOption,
  extension: {
    type: "string",
    valueName: "ID",
    description: "send to this executor connection (an id from status) instead of the default one",
  },
};

export function client(values: ParsedCli["values"]): BridgeClient {
  const token = stringValue(values, "token") ?? process.env.CHROME_BRIDGE_TOKEN;
  const extensionId = stringValue(values, "extension");
  return new BridgeClient({
    url: stringValue(values, "url") ?? process.env.CHROME_BRIDGE_URL ?? DEFAULT_REST_URL,
    ...(token ? { token } : {}),
    ...(extensionId ? { extensionId } : {}),
  });
}

/** Runs a request; a server that cannot be reached is one line naming it. */
export async function call<T>(c: BridgeClient, request: (c: BridgeClient) => Promise<T>): Promise<T> {
  try {
    return await request(c);
  } catch (err) {
    if (err instanceof TypeError && err.message === "fetch failed") {
      const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
      const why = cause?.code === "ECONNREFUSED" ? "connection refused" : (cause?.message ?? err.message);
      throw new CliError(`cannot reach ${c.url}: ${why} (is chrome-bridge serve running there? --url names it)`);
    }
    throw err;
  }
}

/** Prints the envelope; exit code 1 when the command failed. */
export function print(r: RestEnvelope<unknown>): number {
  console.log(JSON.stringify(r, null, 2));
  return r.success ? 0 : 1;
}

export const status: Subcommand = {
  summary: "the server's status and executor connections (JSON)",
  usage: ["[options]"],
  options: clientOptions,
  async run({ values }) {
    return print(await call(client(values), (c) => c.status()));
  },
};

export const tabs: Subcommand = {
  summary: "the browser's tabs (JSON)",
  usage: ["[options]"],
  options: clientOptions,
  async run({ values }) {
    return print(await call(client(values), (c) => c.tabs()));
  },
};

const IMAGE_TYPES: Record<string, "jpeg" | "png"> = { ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg" };

export const screenshot: Subcommand = {
  summary: "a screenshot of a tab (JSON, or the image with --save FILE)",
  usage: ["[options]"],
  options: {
    save: {
      type: "string",
      valueName: "FILE",
      description: "write the image to FILE (.png asks for PNG, .jpg/.jpeg for JPEG) and print the rest",
    },
    format: { type: "string", valueName: "jpeg|png", description: "image format (default: from --save, else jpeg)" },
    quality: { type: "string", valueName: "1-100", description: "JPEG quality (default 85)" },
    "tab-id": { type: "string", valueName: "N", description: "the tab (default: the active one)" },
    "full-page": { type: "boolean", description: "the whole page, beyond the viewport" },
    ref: { type: "string", valueName: "REF", description: "only this element (a ref from snapshot)" },
    selector: { type: "string", valueName: "CSS", description: "only the element this CSS selector finds" },
    ...clientOptions,
  },
  examples: [
    "chrome-bridge screenshot --save shot.png",
    "chrome-bridge screenshot --quality 60 --save shot.jpg",
    "chrome-bridge screenshot --full-page --save page.png",
  ],
  async run({ values }) {
    const save = stringValue(values, "save");
    const fromFile = save ? IMAGE_TYPES[extname(save).toLowerCase()] : undefined;
    const asked = stringValue(values, "format");
    if (asked !== undefined && asked !== "jpeg" && asked !== "png")
      throw new UsageError(`--format is jpeg or png, got ${JSON.stringify(asked)}`);
    if (asked && fromFile && asked !== fromFile)
      throw new UsageError(`--format ${asked} does not match --save ${save}: give the file a .${ext(asked)} name`);
    const format = asked ?? fromFile;
    const quality = intFlag(values, "quality", { min: 1, max: 100 });
    const tabId = intFlag(values, "tab-id");
    const r = await call(client(values), (c) =>
      c.command({
        type: "screenshot",
        ...(quality !== undefined ? { quality } : {}),
        ...(format ? { format } : {}),
        ...(tabId !== undefined ? { tab_id: tabId } : {}),
        ...(values["full-page"] ? { full_page: true } : {}),
        ...(stringValue(values, "ref") ? { ref: stringValue(values, "ref") } : {}),
        ...(stringValue(values, "selector") ? { selector: stringValue(values, "selector") } : {}),
      }),
    );
    const image = (r.data as { imageData?: string } | null)?.imageData;
    if (!r.success || !save || !image) return print(r);
    // The file holds what the executor sent: refuse to write bytes that do not match its name.
    const mime = /^data:image\/(\w+);base64,/.exec(image)?.[1];
    const got = mime === "jpeg" || mime === "png" ? mime : undefined;
    if (format && got !== format)
      throw new CliError(
        `the executor sent ${mime ? `image/${mime}` : "an image of unknown type"}, not ${format}; nothing written to ${save}`,
      );
    const bytes = Buffer.from(image.slice(image.indexOf(",") + 1), "base64");
    await writeFile(save, bytes);
    const { imageData: _omit, ...rest } = r.data as Record<string, unknown>;
    console.log(JSON.stringify({ ...r, data: { ...rest, saved: save, bytes: bytes.length } }, null, 2));
    return 0;
  },
};

const ext = (format: "jpeg" | "png") => (format === "png" ? "png" : "jpg");

export const send: Subcommand = {
  summary: "any command, as the JSON POST /command takes; prints the answer",
  usage: ["'<json command>' [options]"],
  positionals: true,
  options: clientOptions,
  examples: [
    `chrome-bridge send '{"type":"tab","action":"open","url":"https://example.com"}'`,
    `chrome-bridge send '{"type":"keyboard_type","text":"hello"}'`,
  ],
  async run({ values, positionals }) {
    const [text, ...extra] = positionals;
    if (!text) throw new UsageError('send needs a JSON command, e.g. send \'{"type":"get_tabs"}\'');
    if (extra.length)
      throw new UsageError(`send takes one JSON command (quote it), got ${positionals.length} arguments`);
    let command: CommandInput;
    try {
      command = JSON.parse(text);
    } catch {
      throw new UsageError(`not valid JSON: ${text}`);
    }
    return print(await call(client(values), (c) => c.command(command)));
  },
};
