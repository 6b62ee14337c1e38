import { packageProject } from "../../vitest.shared.js";

export default packageProject("ws-core");
