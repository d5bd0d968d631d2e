import { createPlatform, runAction, validateDataAction } from '@mcp/core';

// The GitHub Action entry: the runner sets INPUT_* and GITHUB_*; everything else is core.
const platform = await createPlatform({
  env: process.env,
  cwd: process.cwd(),
  log: (line) => process.stdout.write(`${line}\n`),
});
process.exitCode = await runAction(validateDataAction, platform);
