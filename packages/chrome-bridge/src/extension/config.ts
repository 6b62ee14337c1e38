import { DEFAULT_SERVER_WS_URL } from "../protocol/constants.js";
import { chromeApi } from "./chrome-api.js";

// Replaced at build time (buildExtension's serverUrl/token); storage settings override them.
declare const __CHROME_BRIDGE_SERVER_URL__: string | undefined;
declare const __CHROME_BRIDGE_TOKEN__: string | undefined;

export interface ExtensionConfig {
  serverUrl: string;
  token: string | undefined;
}

/** Server URL and token: chrome.storage.local `serverUrl`/`token` if set, else the build defaults. */
export async function loadConfig(): Promise<ExtensionConfig> {
  const stored = await chromeApi()
    .storage.local.get(["serverUrl", "token"])
    .catch(() => ({}) as Record<string, unknown>);
  const builtUrl =
    typeof __CHROME_BRIDGE_SERVER_URL__ === "string" ? __CHROME_BRIDGE_SERVER_URL__ : DEFAULT_SERVER_WS_URL;
  const builtToken =
    typeof __CHROME_BRIDGE_TOKEN__ === "string" && __CHROME_BRIDGE_TOKEN__ ? __CHROME_BRIDGE_TOKEN__ : undefined;
  return {
    serverUrl: typeof stored.serverUrl === "string" && stored.serverUrl ? stored.serverUrl : builtUrl,
    token: typeof stored.token === "string" && stored.token ? stored.token : builtToken,
  };
}
