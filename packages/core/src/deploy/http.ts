/** What one HTTP exchange gave: the body of a 2xx answer, or one line on what went wrong. */
export type HttpOutcome =
  | { ok: true; status: number; body: string; ms: number }
  | { ok: false; error: string; ms: number; status?: number; body?: string };

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

/**
 * One request with a deadline. Never throws: a refused connection, a timeout or an error status
 * is an outcome the caller judges (inconclusive for analysis, a failed step for a provider).
 */
export async function request(req: HttpRequest): Promise<HttpOutcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const where = `${req.method} ${displayUrl(req.url)}`;
  try {
    const response = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: AbortSignal.timeout(req.timeoutMs),
      redirect: 'follow',
    });
    const body = await response.text();
    if (!response.ok) {
      const detail = body.trim().split('\n')[0]?.slice(0, 200) ?? '';
      const error = `${where}: HTTP ${response.status}${detail ? ` ${detail}` : ''}`;
      return { ok: false, error, ms: ms(), status: response.status, body };
    }
    return { ok: true, status: response.status, body, ms: ms() };
  } catch (error) {
    const err = error as Error & { cause?: { code?: string; message?: string } };
    let why = err.cause?.code ?? err.cause?.message ?? err.message;
    if (err.name === 'TimeoutError') why = `no answer within ${req.timeoutMs} ms`;
    if (why === 'ECONNREFUSED') why = 'connection refused';
    return { ok: false, error: `${where}: ${why}`, ms: ms() };
  }
}

/** A URL fit for a log or a record: no credentials, no query (which may carry a token). */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}${parsed.search ? '?…' : ''}`;
  } catch {
    return '(not a URL)';
  }
}
