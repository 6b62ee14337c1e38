export interface ReadmeBlock {
  index: number;
  lang: string;
  /** Line of the opening fence in the README. */
  line: number;
  file: string;
  timeoutMs: number;
  code: string;
}
export interface BlockResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}
export function readmeBlocks(readmePath: string): ReadmeBlock[];
export function scratchFor(readmePath: string, base?: string): string;
export function removeScratch(dir: string): void;
export function writeBlocks(blocks: ReadmeBlock[], dir: string, options?: { moduleScope?: boolean }): void;
export function runReadmeBlock(
  block: ReadmeBlock,
  dir: string,
  options?: { source?: boolean; env?: Record<string, string> },
): Promise<BlockResult>;
export function describeFailure(readmePath: string, block: ReadmeBlock, result: BlockResult): string;
