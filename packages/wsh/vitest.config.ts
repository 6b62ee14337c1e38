import { packageProject } from "../../vitest.shared.js";

// Every wsh test runs real shells on real PTYs (and some start tsx processes or Chromium): on a busy machine a
// test may take several times as long as on an idle one, so the budget is generous; the tests wait on events.
export default packageProject("wsh", { testTimeout: 60_000 });
