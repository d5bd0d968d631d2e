import { z } from 'zod';
import { InputError } from '../errors';
import { type GitopsRuntime, setWeightByGitops } from './gitops';
import { parseSetLines } from './gitops-file';
import { displayUrl, request } from './http';
import { runShell, tail } from './shell';
import { checkTemplate, renderJson, renderShell, renderUrl, type TemplateValues } from './template';

/**
 * Where traffic is split, as recorded with the deployment: everything needed to do it again
 * except secrets (header values), so that `rollback` can default to it.
 */
export const ProviderSettings = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('command'),
    /** Shell command templated with {model} {version} {stable_version} {weight} {stable_weight} {environment}. */
    setWeight: z.string(),
    timeoutMs: z.number().int().positive(),
  }),
  z.object({
    type: z.literal('http'),
    /** The router's admin URL; the body is POSTed as JSON. */
    url: z.string(),
    /** A JSON template; default: model, version, stable_version, weight and environment. */
    body: z.string(),
    headerNames: z.array(z.string()),
    timeoutMs: z.number().int().positive(),
  }),
  z.object({
    type: z.literal('gitops'),
    /** Repository-relative path of a YAML or JSON file (a Kubernetes, Istio or Argo manifest). */
    file: z.string(),
    /** `path = value template` assignments, e.g. `spec.http[0].route[1].weight = {weight}`. */
    set: z.array(z.object({ path: z.string(), value: z.string() })),
    /** The branch the commit is pushed to. */
    branch: z.string(),
    remote: z.string(),
    timeoutMs: z.number().int().positive(),
  }),
]);
export type ProviderSettings = z.infer<typeof ProviderSettings>;

export const DEFAULT_HTTP_BODY =
  '{"model": "{model}", "version": "{version}", "stable_version": "{stable_version}", "weight": {weight}, "environment": "{environment}"}';

export type ProviderResult =
  | { ok: true; ms: number; detail?: string }
  | { ok: false; ms: number; error: string };

export interface Provider {
  readonly settings: ProviderSettings;
  /** Sends `values.weight` percent of traffic to `values.version`, the rest to `values.stable_version`. */
  setWeight(values: TemplateValues): Promise<ProviderResult>;
}

export interface ProviderRuntime extends GitopsRuntime {
  /** Header values (tokens) for the http provider; never recorded. */
  headers?: Record<string, string>;
}

/** Checks settings the way a user wrote them (templates, URL, paths), then the provider that applies them. */
export function createProvider(settings: ProviderSettings, runtime: ProviderRuntime): Provider {
  switch (settings.type) {
    case 'command': {
      if (settings.setWeight.trim() === '') throw new InputError('set-weight: empty', 'set-weight');
      checkTemplate(settings.setWeight, 'set-weight');
      return { settings, setWeight: (values) => setWeightByCommand(settings, runtime, values) };
    }
    case 'http': {
      checkTemplate(settings.url, 'router-url');
      let url: URL | undefined;
      try {
        url = new URL(settings.url);
      } catch {
        // Reported below.
      }
      if (!url || !/^https?:$/.test(url.protocol)) {
        throw new InputError(
          `router-url: ${JSON.stringify(displayUrl(settings.url))} is not an http(s) URL`,
          'router-url',
        );
      }
      if (url.username || url.password) {
        throw new InputError(
          'router-url: carries credentials; pass them as a header instead (they would be recorded)',
          'router-url',
        );
      }
      checkTemplate(settings.body, 'body');
      try {
        JSON.parse(
          renderJson(settings.body, {
            model: 'm',
            version: 'v',
            stable_version: 's',
            weight: 1,
            stable_weight: 99,
            environment: 'e',
            step: 1,
          }),
        );
      } catch (error) {
        throw new InputError(`body: not JSON once templated (${(error as Error).message})`, 'body');
      }
      return { settings, setWeight: (values) => setWeightByHttp(settings, runtime, values) };
    }
    case 'gitops': {
      parseSetLines(settings.set.map((s) => `${s.path} = ${s.value}`).join('\n'));
      return { settings, setWeight: (values) => setWeightByGitops(settings, runtime, values) };
    }
  }
}

async function setWeightByCommand(
  settings: Extract<ProviderSettings, { type: 'command' }>,
  runtime: ProviderRuntime,
  values: TemplateValues,
): Promise<ProviderResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const result = await runShell(renderShell(settings.setWeight, values), {
      cwd: runtime.cwd,
      env: runtime.env,
      timeoutMs: settings.timeoutMs,
    });
    if (result.timedOut)
      return { ok: false, ms: ms(), error: `set-weight did not finish within ${settings.timeoutMs} ms` };
    if (result.exitCode !== 0) {
      const why = tail(result.stderr, 3, 300) || tail(result.stdout, 3, 300);
      return {
        ok: false,
        ms: ms(),
        error: `set-weight exited with ${result.exitCode}${why ? `: ${why}` : ''}`,
      };
    }
    return { ok: true, ms: ms() };
  } catch (error) {
    return { ok: false, ms: ms(), error: `set-weight could not start: ${(error as Error).message}` };
  }
}

async function setWeightByHttp(
  settings: Extract<ProviderSettings, { type: 'http' }>,
  runtime: ProviderRuntime,
  values: TemplateValues,
): Promise<ProviderResult> {
  const answer = await request({
    method: 'POST',
    url: renderUrl(settings.url, values),
    headers: { 'content-type': 'application/json', ...runtime.headers },
    body: renderJson(settings.body, values),
    timeoutMs: settings.timeoutMs,
  });
  return answer.ok ? { ok: true, ms: answer.ms } : { ok: false, ms: answer.ms, error: answer.error };
}
