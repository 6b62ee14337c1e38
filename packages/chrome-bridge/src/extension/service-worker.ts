import { BridgeAgent } from "../client/agent.js";
import { CdpCommandExecutor } from "../client/cdp/cdp-executor.js";
import { chromeApi } from "./chrome-api.js";
import { ChromeTabHost } from "./chrome-tab-host.js";
import { loadConfig } from "./config.js";

// MV3 service worker. It stays alive while connected because the agent exchanges a JSON ping
// every 20 s (Chrome >= 116 counts WebSocket messages as activity; protocol pings do not).
// If Chrome kills it anyway, the 30 s alarm wakes it and the top level connects again.

const chrome = chromeApi();
const executor = new CdpCommandExecutor(new ChromeTabHost(chrome));
let agent: BridgeAgent | undefined;
let starting: Promise<void> | undefined;

function start(): Promise<void> {
  starting ??= (async () => {
    const config = await loadConfig();
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
  if (area === "local" && ("serverUrl" in changes || "token" in changes)) void restart();
});

void start();
