import { describe, expect, it } from 'vitest';
import { commentMarker, escapeMarkdown, table } from './index';

describe('escapeMarkdown', () => {
  it('keeps a metric name from breaking a table row or injecting HTML', () => {
    const hostile = 'f1|<img src=x onerror=alert(1)>**bold**';
    const escaped = escapeMarkdown(hostile);
    expect(escaped).not.toContain('<img');
    expect(escaped).not.toMatch(/(^|[^\\])\|/);
    expect(escaped).toBe('f1\\|&lt;img src=x onerror=alert\\(1\\)&gt;\\*\\*bold\\*\\*');
  });

  it('does not @-mention and keeps one line', () => {
    expect(escapeMarkdown('ping @org/team\nnext')).toBe('ping &#64;org/team next');
  });

  it('leaves ordinary names readable', () => {
    expect(escapeMarkdown('test.f1')).toBe('test.f1');
    expect(escapeMarkdown('val/loss')).toBe('val/loss');
  });
});

describe('table', () => {
  it('renders a GitHub-flavoured table with alignment', () => {
    expect(table(['a', 'b'], ['left', 'right'], [['1', '2']])).toBe('| a | b |\n| :-- | --: |\n| 1 | 2 |');
  });
});

describe('commentMarker', () => {
  it('is a hidden comment that no title can close early', () => {
    const marker = commentMarker('validate-metrics', 'gate --> <b>x</b>');
    expect(marker.startsWith('<!-- mcp:validate-metrics:')).toBe(true);
    expect(marker.indexOf('-->')).toBe(marker.length - 3);
  });

  it('differs between titles, so two gates keep two comments', () => {
    expect(commentMarker('validate-metrics', 'a')).not.toBe(commentMarker('validate-metrics', 'b'));
  });
});
