// Generic hooks (/hooks/<name>) as the owner defines them in the `hooks` setting:
//   { "<name>": { "auth": "hmac" | "bearer", "prompt": "A deploy finished: {{body}}", "signature_header"?: "x-hub-signature-256" } }
// The secret or token itself is MONO_HOOK_SECRET_<NAME> in the environment, never a setting.

export interface HookDefinition {
  name: string;
  auth: 'hmac' | 'bearer';
  prompt: string;
  signatureHeader: string;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;
const MAX_RENDERED_BODY = 8000;

export function hookDefinition(settingValue: unknown, name: string): HookDefinition | undefined {
  if (!NAME.test(name) || name === 'stripe') return undefined;
  if (typeof settingValue !== 'object' || settingValue === null) return undefined;
  const raw = (settingValue as Record<string, unknown>)[name];
  if (typeof raw !== 'object' || raw === null) return undefined;
  const def = raw as Record<string, unknown>;
  const auth = def.auth === 'bearer' ? 'bearer' : 'hmac';
  const prompt =
    typeof def.prompt === 'string' && def.prompt.trim()
      ? def.prompt
      : `The "${name}" webhook sent this; tell the owner briefly what happened:\n{{body}}`;
  const signatureHeader =
    typeof def.signature_header === 'string' && /^[a-z0-9-]{1,64}$/i.test(def.signature_header)
      ? def.signature_header.toLowerCase()
      : 'x-signature-256';
  return { name, auth, prompt, signatureHeader };
}

/** The prompt with {{body}} (the payload, pretty JSON when it is JSON) and {{name}} filled in. */
export function renderPrompt(definition: HookDefinition, payload: unknown): string {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload, null, 2);
  const clipped = body.length > MAX_RENDERED_BODY ? `${body.slice(0, MAX_RENDERED_BODY)}…` : body;
  const text = definition.prompt.replaceAll('{{name}}', definition.name);
  return text.includes('{{body}}') ? text.replaceAll('{{body}}', clipped) : `${text}\n\n${clipped}`;
}
