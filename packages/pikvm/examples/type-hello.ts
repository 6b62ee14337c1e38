// Type "hello" over the WebSocket HID, then read a few events.
// Runs against a real PiKVM (PIKVM_URL, PIKVM_USER, PIKVM_PASSWD) or, by default, a local emulator it starts.
import { PiKVM } from "@proj/pikvm/node";
import { PiKVMEmulator } from "@proj/pikvm/server";

async function main(): Promise<void> {
  let emulator: PiKVMEmulator | undefined;
  let url = process.env.PIKVM_URL;
  if (!url) {
    emulator = new PiKVMEmulator({ user: "admin", passwd: "admin" });
    url = (await emulator.listen({ tls: true })).url; // self-signed, like a real device
  }
  await using kvm = new PiKVM(url, {
    user: process.env.PIKVM_USER ?? "admin",
    passwd: process.env.PIKVM_PASSWD ?? "admin",
  });
  {
    await using ws = await kvm.ws();
    // Type "hello" via WebSocket HID
    for (const char of "hello") {
      const key = `Key${char.toUpperCase()}`;
      ws.sendKey(key, true);
      ws.sendKey(key, false);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Read a few events
    let count = 0;
    for await (const event of ws.events()) {
      console.log(event);
      if (++count >= 5) break;
    }
    await ws.ping(); // everything sent before the ping has been processed once the pong is back
  }
  if (emulator) {
    console.log(`virtual console: ${JSON.stringify(emulator.console.typed)}`);
    await emulator.close();
  }
}

await main();
