import { fileURLToPath } from "node:url";
import { testReadme } from "../../../scripts/readme-test.js";

testReadme(fileURLToPath(new URL("../README.md", import.meta.url)));
