import { PiKVMWebSocket, pixelToKvmd } from "@proj/pikvm/client";
import { loadInfo, type PlaygroundInfo } from "../info.js";
import { el, logLine, panelHeader, readableJson, statusChip } from "../status.js";

/**
 * KVM panel: the PiKVM browser client on the emulator's /api/ws (cookie auth, binary HID frames, as the
 * PiKVM web UI does). Keys and mouse over the screen become HID events; the screen is the emulator's
 * snapshot of its virtual console, refreshed after input.
 */
export async function mountKvmPanel(panel: HTMLElement, first: NonNullable<PlaygroundInfo["pikvm"]>): Promise<void> {
  let info = first;
  const chip = statusChip();
  panelHeader(
    panel,
    {
      title: "KVM",
      what: "A virtual PiKVM: your keyboard and mouse drive an emulated machine's console, as on a real KVM-over-IP.",
      tryThis: "Click the screen, then type.",
      pkg: "pikvm",
      details:
        "pikvm: kvmd's /api/ws with binary HID frames (keys, buttons, absolute moves, wheel) and JSON state events; the screen is the streamer snapshot.",
    },
    chip.el,
  );
  const screen = el("img", { className: "kvm-screen", tabIndex: 0, alt: "virtual console", draggable: false });
  const consoleText = el("pre", { className: "log", dataset: { role: "console-text" } });
  const hidState = el("div", { className: "muted", dataset: { role: "hid-state" } });
  consoleText.style.height = "60px";
  const hidLog = el("div", { className: "log", dataset: { role: "hid-log" } });
  const eventLog = el("div", { className: "log", dataset: { role: "event-log" } });
  const typeInput = el("input", { value: "hello", size: 14 });
  const typeBtn = el("button", { textContent: "Type" });
  const enterBtn = el("button", { textContent: "Enter" });
  panel.append(
    el(
      "div",
      { className: "toolbar" },
      el("span", { className: "muted", textContent: "Click the screen, then type:" }),
      typeInput,
      typeBtn,
      enterBtn,
    ),
    screen,
    hidState,
    el("div", { className: "muted", textContent: "Console text (the snapshot's OCR):" }),
    consoleText,
    el(
      "div",
      { className: "row" },
      el("div", { className: "col" }, el("div", { className: "muted", textContent: "HID sent" }), hidLog),
      el("div", { className: "col" }, el("div", { className: "muted", textContent: "/api/ws events" }), eventLog),
    ),
  );

  const base = `${location.origin}${info.base}`;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  const refresh = () => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(async () => {
      const [png, text] = await Promise.all([
        fetch(`${base}/api/streamer/snapshot?t=${Date.now()}`, { credentials: "same-origin" }),
        fetch(`${base}/api/streamer/snapshot?ocr=1&t=${Date.now()}`, { credentials: "same-origin" }),
      ]);
      if (png.ok) {
        const old = screen.src;
        screen.src = URL.createObjectURL(await png.blob());
        if (old.startsWith("blob:")) URL.revokeObjectURL(old);
      }
      if (text.ok) consoleText.textContent = await text.text();
      const hid = await fetch("/api/playground/pikvm/hid", {
        headers: { "X-KVMD-User": info.user, "X-KVMD-Passwd": info.passwd },
      });
      if (hid.ok) {
        const h = (await hid.json()) as {
          keys: string[];
          buttons: string[];
          mouse: { x: number; y: number };
          accepted: number;
        };
        hidState.textContent = `Target HID: keys held [${h.keys.join(" ")}] · buttons [${h.buttons.join(" ")}] · mouse ${h.mouse.x},${h.mouse.y} · ${h.accepted} inputs accepted`;
        hidState.dataset.accepted = String(h.accepted);
      }
    }, 60);
  };

  let ws: PiKVMWebSocket;
  const connect = async () => {
    ws = await PiKVMWebSocket.connect({
      url: base,
      user: info.user,
      passwd: info.passwd,
      hid: "binary",
      reconnect: true,
      keepalive: { intervalMs: 1000, timeoutMs: 5000 },
    });
    chip.set(ws.status);
    ws.on("status", (s) => {
      chip.set(s);
      if (s === "closed") void relogin();
    });
    ws.on("event", (ev) => {
      logLine(eventLog, `${ev.event_type} ${readableJson(ev.event, 160)}`);
      if (ev.event_type === "atx" || ev.event_type === "hid") refresh();
    });
    ws.on("open", () => refresh());
    refresh();
  };
  // The demo's KVM password lives as long as its process: after a restart the old one is refused (403),
  // so ask the server again, as the page did when it loaded, and log in anew.
  const relogin = async () => {
    for (;;) {
      try {
        const fresh = (await loadInfo()).pikvm;
        if (fresh) {
          info = fresh;
          await connect();
          return;
        }
      } catch {
        // the server is still down
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  await connect();

  const hid = (line: string) => {
    logLine(hidLog, line);
    refresh();
  };
  screen.addEventListener("keydown", (e) => {
    e.preventDefault();
    if (e.repeat) return;
    try {
      ws.sendKey(e.code, true);
      hid(`key ${e.code} down`);
    } catch (err) {
      hid(`refused: ${(err as Error).message}`);
    }
  });
  screen.addEventListener("keyup", (e) => {
    e.preventDefault();
    try {
      ws.sendKey(e.code, false);
      hid(`key ${e.code} up`);
    } catch {
      // unknown keys were already reported on keydown
    }
  });
  const toKvmd = (e: MouseEvent) => {
    const r = screen.getBoundingClientRect();
    return pixelToKvmd(e.clientX - r.left, e.clientY - r.top, { width: r.width, height: r.height });
  };
  let lastMove = 0;
  screen.addEventListener("mousemove", (e) => {
    if (ws.status !== "open" || e.timeStamp - lastMove < 30) return;
    lastMove = e.timeStamp;
    const p = toKvmd(e);
    ws.sendMouseMove(p.x, p.y);
  });
  const buttons = ["left", "middle", "right"] as const;
  screen.addEventListener("mousedown", (e) => {
    screen.focus();
    const b = buttons[e.button] ?? "left";
    ws.sendMouseButton(b, true);
    hid(`mouse ${b} down at ${JSON.stringify(toKvmd(e))}`);
  });
  screen.addEventListener("mouseup", (e) => {
    const b = buttons[e.button] ?? "left";
    ws.sendMouseButton(b, false);
    hid(`mouse ${b} up`);
  });
  screen.addEventListener("contextmenu", (e) => e.preventDefault());
  screen.addEventListener(
    "wheel",
    (e) => {
      e.preventDefault();
      const dy = e.deltaY > 0 ? -1 : 1; // kvmd: negative scrolls down
      ws.sendMouseWheel(0, dy);
      hid(`wheel ${dy}`);
    },
    { passive: false },
  );
  typeBtn.addEventListener("click", async () => {
    await ws.typeText(typeInput.value);
    hid(`typed ${JSON.stringify(typeInput.value)}`);
  });
  enterBtn.addEventListener("click", () => {
    ws.tapKey("Enter");
    hid("key Enter tap");
  });
}
