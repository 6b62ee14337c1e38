import { writeFile } from "node:fs/promises";
import { BridgeClient } from "../client/rest-client.js";
import type { CommandInput } from "../protocol/commands.js";
import { DEFAULT_REST_URL } from "../protocol/constants.js";
import type { RestEnvelope } from "../protocol/rest.js";
import { type ParsedArgs, stringFlag, UsageError } from "./args.js";

function client(args: ParsedArgs): BridgeClient {
  const token = stringFlag(args, "token") ?? process.env.CHROME_BRIDGE_TOKEN;
  const extensionId = stringFlag(args, "extension");
  return new BridgeClient({
    url: stringFlag(args, "url") ?? process.env.CHROME_BRIDGE_URL ?? DEFAULT_REST_URL,
    ...(token ? { token } : {}),
    ...(extensionId ? { extensionId } : {}),
  });
}

/** Prints the envelope; exit code 1 when the command failed. */
function print(r: RestEnvelope<unknown>): number {
  console.log(JSON.stringify(r, null, 2));
  return r.success ? 0 : 1;
}

export async function status(args: ParsedArgs): Promise<number> {
  return print(await client(args).status());
}

export async function tabs(args: ParsedArgs): Promise<number> {
  return print(await client(args).tabs());
}

/** `screenshot [--save FILE] [--quality N] [--format jpeg|png] [--tab-id N]` */
export async function screenshot(args: ParsedArgs): Promise<number> {
  const quality = stringFlag(args, "quality");
  const format = stringFlag(args, "format");
  const tabId = stringFlag(args, "tab-id");
  const r = await client(args).command({
    type: "screenshot",
    ...(quality ? { quality: Number(quality) } : {}),
    ...(format ? { format } : {}),
    ...(tabId ? { tab_id: Number(tabId) } : {}),
  });
  const save = stringFlag(args, "save");
  const image = (r.data as { imageData?: string } | null)?.imageData;
  if (r.success && save && image) {
    const bytes = Buffer.from(image.slice(image.indexOf(",") + 1), "base64");
    await writeFile(save, bytes);
    const { imageData: _omit, ...rest } = r.data as Record<string, unknown>;
    console.log(JSON.stringify({ ...r, data: { ...rest, saved: save, bytes: bytes.length } }, null, 2));
    return 0;
  }
  return print(r);
}

/** `send '<json>'`: any command through POST /command. */
export async function send(args: ParsedArgs): Promise<number> {
  const text = args.positionals[1];
  if (!text) throw new UsageError('send needs a JSON command, e.g. send \'{"type":"get_tabs"}\'');
  let command: CommandInput;
  try {
    command = JSON.parse(text);
  } catch {
    throw new UsageError(`not valid JSON: ${text}`);
  }
  return print(await client(args).command(command));
}
