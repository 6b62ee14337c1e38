import type { DialogPolicy } from "../client/cdp/cdp-executor.js";
import { DEFAULT_SERVER_WS_URL } from "../protocol/constants.js";
import { chromeApi } from "./chrome-api.js";

// Replaced at build time (buildExtension's serverUrl/token/dialogs); storage settings override them.
declare const __CHROME_BRIDGE_SERVER_URL__: string | undefined;
declare const __CHROME_BRIDGE_TOKEN__: string | undefined;
declare const __CHROME_BRIDGE_DIALOGS__: string | undefined;

export interface ExtensionConfig {
  serverUrl: string;
  token: string | undefined;
  /** What happens to JavaScript dialogs: "dismiss" (default), "accept", or "leave" (for the `dialog` command). */
  dialogs: DialogPolicy;
}

/** The chrome.storage.local keys the extension reads. */
export const CONFIG_KEYS = ["serverUrl", "token", "dialogs"] as const;

export function isDialogPolicy(v: unknown): v is DialogPolicy {
  return v === "dismiss" || v === "accept" || v === "leave";
}

/** The build's dialog policy (buildExtension's `dialogs`), "dismiss" when none was given. */
export function builtDialogPolicy(): DialogPolicy {
  const built = typeof __CHROME_BRIDGE_DIALOGS__ === "string" ? __CHROME_BRIDGE_DIALOGS__ : undefined;
  return isDialogPolicy(built) ? built : "dismiss";
}

/**
 * The dialog policy a stored value asks for: a valid stored value wins, anything else (unset,
 * empty, a typo) keeps the build's policy (a typo is reported on the service worker's console).
 */
export function dialogPolicyFrom(stored: unknown): DialogPolicy {
  if (isDialogPolicy(stored)) return stored;
  if (stored !== undefined && stored !== null && stored !== "")
    console.warn(
      `chrome-bridge: storage "dialogs" must be "dismiss", "accept" or "leave", not ${JSON.stringify(stored)}; using "${builtDialogPolicy()}"`,
    );
  return builtDialogPolicy();
}

/**
 * Server URL, token and dialog policy: chrome.storage.local `serverUrl`/`token`/`dialogs` if
 * set, else the build defaults.
 */
export async function loadConfig(): Promise<ExtensionConfig> {
  const stored = await chromeApi()
    .storage.local.get([...CONFIG_KEYS])
    .catch(() => ({}) as Record<string, unknown>);
  const builtUrl =
    typeof __CHROME_BRIDGE_SERVER_URL__ === "string" ? __CHROME_BRIDGE_SERVER_URL__ : DEFAULT_SERVER_WS_URL;
  const builtToken =
    typeof __CHROME_BRIDGE_TOKEN__ === "string" && __CHROME_BRIDGE_TOKEN__ ? __CHROME_BRIDGE_TOKEN__ : undefined;
  return {
    serverUrl: typeof stored.serverUrl === "string" && stored.serverUrl ? stored.serverUrl : builtUrl,
    token: typeof stored.token === "string" && stored.token ? stored.token : builtToken,
    dialogs: dialogPolicyFrom(stored.dialogs),
  };
}
