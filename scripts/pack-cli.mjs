#!/usr/bin/env node
// prepack of @mcp/cli: the package ships the committed CLI bundle, self-contained.
import { cpSync, rmSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const target = new URL('packages/cli/dist/', root);
rmSync(target, { recursive: true, force: true });
cpSync(new URL('dist/cli/', root), target, { recursive: true });
