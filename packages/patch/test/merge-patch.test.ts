/** RFC 7386 JSON merge patch: the RFC's Appendix A examples, plus input immutability. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type JsonValue, applyMergePatch } from '../src/index.js';
import { deepFreeze } from './fixtures.js';

// [original, patch, result] from RFC 7386 Appendix A.
const appendixA: [string, string, string][] = [
  ['{"a":"b"}', '{"a":"c"}', '{"a":"c"}'],
  ['{"a":"b"}', '{"b":"c"}', '{"a":"b","b":"c"}'],
  ['{"a":"b"}', '{"a":null}', '{}'],
  ['{"a":"b","b":"c"}', '{"a":null}', '{"b":"c"}'],
  ['{"a":["b"]}', '{"a":"c"}', '{"a":"c"}'],
  ['{"a":"c"}', '{"a":["b"]}', '{"a":["b"]}'],
  ['{"a":{"b":"c"}}', '{"a":{"b":"d","c":null}}', '{"a":{"b":"d"}}'],
  ['{"a":[{"b":"c"}]}', '{"a":[1]}', '{"a":[1]}'],
  ['["a","b"]', '["c","d"]', '["c","d"]'],
  ['{"a":"b"}', '["c"]', '["c"]'],
  ['{"a":"foo"}', 'null', 'null'],
  ['{"a":"foo"}', '"bar"', '"bar"'],
  ['{"e":null}', '{"a":1}', '{"e":null,"a":1}'],
  ['[1,2]', '{"a":"b","c":null}', '{"a":"b"}'],
  ['{}', '{"a":{"bb":{"ccc":null}}}', '{"a":{"bb":{}}}'],
];

describe('applyMergePatch - RFC 7386 Appendix A', () => {
  for (const [original, patch, expected] of appendixA) {
    it(`${original} + ${patch} = ${expected}`, () => {
      const doc = deepFreeze(JSON.parse(original) as JsonValue);
      const result = applyMergePatch(doc, deepFreeze(JSON.parse(patch) as JsonValue));
      assert.deepEqual(result, JSON.parse(expected));
    });
  }
});

describe('applyMergePatch', () => {
  it('shares no structure with the patch', () => {
    const patch = { spec: { template: { labels: { a: '1' } } } };
    const result = applyMergePatch({}, patch) as typeof patch;
    result.spec.template.labels.a = 'changed';
    assert.equal(patch.spec.template.labels.a, '1');
  });

  it('treats __proto__ as data', () => {
    const result = applyMergePatch({}, JSON.parse('{"__proto__":{"x":1}}')) as object;
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.deepEqual(Object.keys(result), ['__proto__']);
  });
});
