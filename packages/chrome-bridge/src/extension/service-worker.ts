import { BridgeAgent } from "../client/agent.js";
import { CdpCommandExecutor } from "../client/cdp/cdp-executor.js";
import { chromeApi } from "./chrome-api.js";
import { ChromeTabHost } from "./chrome-tab-host.js";
import { builtDialogPolicy, dialogPolicyFrom, loadConfig } from "./config.js";

// MV3 service worker. It stays alive while connected because the agent exchanges a JSON ping
// every 20 s (Chrome >= 116 counts WebSocket messages as activity; protocol pings do not).
// If Chrome kills it anyway, the 30 s alarm wakes it and the top level connects again.

const chrome = chromeApi();
const executor = new CdpCommandExecutor(new ChromeTabHost(chrome), { dialogs: builtDialogPolicy() });
let agent: BridgeAgent | undefined;
let starting: Promise<void> | undefined;

// For the service worker's console: what the extension is doing now.
(globalThis as unknown as { chromeBridge: unknown }).chromeBridge = {
  get dialogs() {
    return executor.dialogPolicy;
  },
  get status() {
    return agent?.status ?? "starting";
  },
};

function start(): Promise<void> {
  starting ??= (async () => {
    const config = await loadConfig();
    executor.dialogPolicy = config.dialogs;
    agent = new BridgeAgent({
      url: config.serverUrl,
      ...(config.token ? { token: config.token } : {}),
      executor,
    }).start();
  })().finally(() => {
    starting = undefined;
  });
  return starting;
}

async function restart(): Promise<void> {
  const old = agent;
  agent = undefined;
  await old?.stop();
  await start();
}

chrome.runtime.onInstalled.addListener(() => void (agent ? undefined : start()));
chrome.runtime.onStartup.addListener(() => void (agent ? undefined : start()));
chrome.alarms.create("chrome-bridge-keepalive", { periodInMinutes: 0.5 });
chrome.alarms.onAlarm.addListener(() => {
  if (!agent || agent.status === "closed") void restart();
});
chrome.storage.onChanged.addListener((changes, area) => {
  if (area !== "local") return;
  // A new dialog policy applies to the next dialog; the connection stays as it is.
  if ("dialogs" in changes) executor.dialogPolicy = dialogPolicyFrom(changes.dialogs?.newValue);
  if ("serverUrl" in changes || "token" in changes) void restart();
});

void start();
