// The emulator on its own: type through REST and the WebSocket, then show the virtual console and HID state.
import { writeFile } from "node:fs/promises";
import { PiKVM } from "@proj/pikvm/node";
import { PiKVMEmulator } from "@proj/pikvm/server";

const emu = new PiKVMEmulator({ user: "admin", passwd: "admin", basePath: "/pikvm" });
const { url } = await emu.listen();
emu.on("hid", (input) => {
  if (input.type === "key" && input.state) process.stdout.write(`key ${input.key} (${input.source})\n`);
});

const kvm = new PiKVM(`${url}/pikvm`, { user: "admin", passwd: "admin" });
await kvm.hid.print("typed over REST\n");
{
  await using ws = await kvm.ws({ hid: "binary" });
  await ws.typeText("typed over the WebSocket");
  ws.sendKey("ShiftLeft", true); // held: released by close()
  await ws.ping();
  console.log("held on the target:", emu.hid.snapshot().keys);
}
console.log("after close:", emu.hid.snapshot().keys);
console.log(`--- virtual console ---\n${emu.console.text}\n-----------------------`);
await writeFile("pikvm-snapshot.png", await kvm.streamer.snapshot());
console.log("snapshot written to pikvm-snapshot.png");
await emu.close();
