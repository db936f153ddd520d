// The anchors the README link check expects must be GitHub's, or a link that works on GitHub
// fails the check (or one that lands at the top of the page passes it). Expected values are
// GitHub's own (github-slugger over the rendered heading text).
import { describe, expect, it } from 'vitest';
import { headingAnchors } from '../lib/readme.mjs';

const anchorsOf = (markdown: string) => [...headingAnchors(markdown)];

describe('headingAnchors', () => {
  it('lower-cases, drops punctuation and turns spaces into hyphens', () => {
    expect(anchorsOf('## Performance: `pnpm bench`\n### Batches against ringbuf.js')).toEqual([
      'performance-pnpm-bench',
      'batches-against-ringbufjs',
    ]);
  });

  it('keeps the text of a code span verbatim (its <T> is not a tag), then drops its punctuation', () => {
    expect(anchorsOf('## `RedisQueue.open<T>(options): Promise<RedisQueue<T>>`')).toEqual([
      'redisqueueopentoptions-promiseredisqueuet',
    ]);
  });

  it('drops HTML tags and a link’s target outside code', () => {
    expect(anchorsOf('## <span id="x">Shared</span> [queues](./q.md)')).toEqual(['shared-queues']);
  });

  it('drops emphasis underscores but keeps snake_case and combining marks', () => {
    expect(anchorsOf('## _Starting_ a worker_pool\n## Cafe\u0301')).toEqual([
      'starting-a-worker_pool',
      'cafe\u0301',
    ]);
  });

  it('numbers repeated headings, skipping a number a heading already has', () => {
    expect(anchorsOf('# Notes\n# Notes-1\n# Notes\n# Notes')).toEqual([
      'notes',
      'notes-1',
      'notes-2',
      'notes-3',
    ]);
  });

  it('ignores headings in fenced code, and a ~~~ line does not close a ``` block', () => {
    const markdown = ['```sh', '~~~', '# not a heading', '```', '## After'].join('\n');
    expect(anchorsOf(markdown)).toEqual(['after']);
  });

  it('does not close a block at a fence with an info string', () => {
    const markdown = ['```js', '```ts', '# in code', '```', '## After'].join('\n');
    expect(anchorsOf(markdown)).toEqual(['after']);
  });

  it('keeps angle-bracketed text that is not a tag, and decodes character references', () => {
    expect(anchorsOf('## Map<string, number> &amp; Set&#60;T&#x3e;')).toEqual([
      'mapstring-number--sett',
    ]);
  });
});
