// Memory: facts saved once and recalled by full-text relevance in a real (in-memory) SurrealDB with MONO's
// schema; summaries parsed into a summary and facts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { queryTerms, recall, remember } from '../../../agent-core/memory/memory-store.ts';
import { parseSummary } from '../../../agent-core/memory/summary.ts';
import { datastoreWithSchema } from '../../helpers/schema-datastore.ts';

const datastore = datastoreWithSchema();

test('facts are stored once and recalled by relevance, any word counting', async () => {
  const { db } = datastore;
  assert.equal(await remember(db, 'The owner prefers green tea in the morning.'), true);
  assert.equal(await remember(db, '  the owner prefers GREEN tea in the morning. '), false, 'same fact');
  await remember(db, "The owner's sister is called Mia and lives in Lisbon.");
  await remember(db, 'The bank account is at Sparkasse.');
  const tea = await recall(db, 'What should I drink? Maybe some teas?');
  assert.match(tea[0]!.text, /green tea/);
  const sister = await recall(db, 'When does Mia visit?');
  assert.equal(sister.length, 1);
  assert.match(sister[0]!.text, /Mia/);
  const both = await recall(db, 'bank or tea');
  assert.equal(both.length, 2);
  assert.deepEqual(await recall(db, 'the and of'), []);
  assert.deepEqual(await recall(db, "'; DELETE memory; --"), []);
  assert.equal((await recall(db, 'bank')).length, 1, 'nothing was deleted by the query text');
});

test('query terms drop stop words and repeats', () => {
  assert.deepEqual(queryTerms('What is the name of my SISTER, my sister?'), ['name', 'sister']);
});

test('a summary answer splits into the summary and the facts', () => {
  const parsed = parseSummary(
    'SUMMARY: Planned a trip to Lisbon.\nFACT: The owner is vegetarian.\n- FACT: Mia is the owner’s sister.',
  );
  assert.equal(parsed.summary, 'Planned a trip to Lisbon.');
  assert.deepEqual(parsed.facts, ['The owner is vegetarian.', 'Mia is the owner’s sister.']);
  assert.equal(parseSummary('just text').summary, 'just text');
});
