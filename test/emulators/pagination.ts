// Page slicing and the RFC 8288 `Link` header, which both GitHub and GitLab send on list endpoints
// (clients such as Octokit's paginate plugin follow rel="next" and nothing else).

export interface Page<T> {
  items: T[];
  page: number;
  perPage: number;
  lastPage: number;
}

export function paginate<T>(
  all: T[],
  query: Record<string, string>,
  limits: { defaultPerPage: number; maxPerPage: number },
): Page<T> {
  const asked = Number.parseInt(query.per_page ?? '', 10);
  const perPage = Math.min(asked > 0 ? asked : limits.defaultPerPage, limits.maxPerPage);
  const askedPage = Number.parseInt(query.page ?? '', 10);
  const page = askedPage > 0 ? askedPage : 1;
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  return { items: all.slice((page - 1) * perPage, page * perPage), page, perPage, lastPage };
}

type Rel = 'first' | 'prev' | 'next' | 'last';

const STYLES: Record<'github' | 'gitlab', { order: Rel[]; firstAndLastAlways: boolean }> = {
  github: { order: ['prev', 'next', 'last', 'first'], firstAndLastAlways: false },
  gitlab: { order: ['prev', 'next', 'first', 'last'], firstAndLastAlways: true },
};

export function linkHeader(
  pageUrl: string,
  query: Record<string, string>,
  page: Page<unknown>,
  style: 'github' | 'gitlab',
): string | undefined {
  const { order, firstAndLastAlways } = STYLES[style];
  const target: Record<Rel, number | undefined> = {
    first: page.page > 1 || firstAndLastAlways ? 1 : undefined,
    prev: page.page > 1 ? Math.min(page.page - 1, page.lastPage) : undefined,
    next: page.page < page.lastPage ? page.page + 1 : undefined,
    last: page.page < page.lastPage || firstAndLastAlways ? page.lastPage : undefined,
  };
  const links = order.flatMap((rel) => {
    const number = target[rel];
    if (number === undefined) return [];
    const params = new URLSearchParams({ ...query, page: String(number) });
    return [`<${pageUrl}?${params}>; rel="${rel}"`];
  });
  return links.length > 0 ? links.join(', ') : undefined;
}
