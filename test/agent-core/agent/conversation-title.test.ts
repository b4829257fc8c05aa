// A conversation keeps the contact's name when MONO posts into it itself (a job's answer, a notice): the title
// was replaced by the raw chat id. A chat MONO writes to first is named after the contact when one is known.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conversationId, recordOutbound, storeInbound } from '../../../agent-core/store/messages.ts';
import { datastoreWithSchema } from '../../helpers/schema-datastore.ts';

const store = datastoreWithSchema();
const title = async (chatId: string) =>
  (
    await store.db
      .query<[string | undefined]>('RETURN (SELECT VALUE title FROM ONLY $c)', {
        c: conversationId('telegram', chatId),
      })
      .collect()
  )[0];

test('a job posting into a conversation keeps its title', async () => {
  const { db } = store;
  await storeInbound(db, {
    channel: 'telegram',
    chatId: '5',
    messageId: '1',
    userId: '5',
    name: 'Ada Lovelace',
    text: 'hi',
    readable: true,
    at: new Date(),
  });
  assert.equal(await title('5'), 'Ada Lovelace');
  await recordOutbound(db, { channel: 'telegram', chatId: '5', role: 'assistant', text: 'Your reminder.' });
  await recordOutbound(db, { channel: 'telegram', chatId: '5', role: 'notice', text: 'A notice.' });
  assert.equal(await title('5'), 'Ada Lovelace');
});

test('a first message from MONO is titled with the contact’s name, else the chat id', async () => {
  const { db } = store;
  await db
    .query(
      "CREATE contact:⟨telegram:9⟩ CONTENT { channel: 'telegram', external_id: '9', name: 'Grace', allowed: true }",
    )
    .collect();
  await recordOutbound(db, { channel: 'telegram', chatId: '9', role: 'notice', text: 'Hello Grace.' });
  assert.equal(await title('9'), 'Grace');
  await recordOutbound(db, { channel: 'telegram', chatId: '77', role: 'notice', text: 'Hello?' });
  assert.equal(await title('77'), '77');
});
