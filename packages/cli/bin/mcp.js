#!/usr/bin/env node
// Inside this repository the command runs the committed bundle, the same file CI and users run.
await import('../../../dist/cli/index.js');
