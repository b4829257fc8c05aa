// The yardstick: the smallest honest webhook → LLM → reply pipeline in plain Node (no framework, no database).
// Same wire as MONO: Telegram webhook in (secret checked), Anthropic Messages API (streaming), sendMessage out.
import { createServer } from 'node:http';

const {
  TELEGRAM_API_ROOT,
  TELEGRAM_BOT_TOKEN,
  ANTHROPIC_BASE_URL,
  ANTHROPIC_API_KEY,
  TELEGRAM_WEBHOOK_SECRET,
} = process.env;
const started = Date.now();

async function answer(update) {
  const message = update.message;
  const llm = await fetch(`${ANTHROPIC_BASE_URL}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': ANTHROPIC_API_KEY,
      'anthropic-version': '2023-06-01',
    },
    body: JSON.stringify({
      model: 'claude-sonnet-5-5',
      max_tokens: 1024,
      stream: true,
      messages: [{ role: 'user', content: message.text }],
    }),
  });
  let text = '';
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of llm.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const data = buffer
        .slice(0, end)
        .split('\n')
        .find((line) => line.startsWith('data: '));
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      if (!data) continue;
      const event = JSON.parse(data.slice(6));
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
  }
  await fetch(`${TELEGRAM_API_ROOT}/bot${TELEGRAM_BOT_TOKEN}/sendMessage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ chat_id: message.chat.id, text }),
  });
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', uptime_s: Math.round((Date.now() - started) / 1000) }));
    return;
  }
  if (req.method === 'POST' && req.url === '/telegram') {
    if (req.headers['x-telegram-bot-api-secret-token'] !== TELEGRAM_WEBHOOK_SECRET) {
      res.writeHead(401).end();
      return;
    }
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(200).end('ok');
      answer(JSON.parse(Buffer.concat(chunks).toString())).catch((error) => console.error(error));
    });
    return;
  }
  res.writeHead(404).end();
});
server.listen(Number(process.env.MONO_HTTP_PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'ready', http: `127.0.0.1:${server.address().port}` }));
});
process.on('SIGTERM', () => process.exit(0));
