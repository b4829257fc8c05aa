// What MONO itself says in a chat (as opposed to Claude): short, friendly, and telling the person what happens next.

export const pairingCode = (code: string) =>
  `Hi! I'm a personal assistant and I only talk with people my owner has approved.\n\n` +
  `Your pairing code is ${code}. Send it to my owner; once they approve it, I'll let you know here.`;

export const pairingApproved = () => `Good news: you're approved. Write me anything and I'll answer.`;

export const unreadable = () =>
  `Thanks! I can't read this kind of message — could you tell me in words what it is about?`;

export const notConfigured = () =>
  `I'm not fully set up yet, so I can't answer. My owner needs to add a Claude API key.`;

export const claudeUnavailable = () =>
  `Sorry — I can't reach my AI service right now, so I couldn't answer this message. Please try again in a few minutes.`;

export const fileRejected = () =>
  `Sorry — my AI service couldn't read that file (it may be damaged or protected). Could you send it another way?`;

export const emptyReply = () => `…`;

export const paused = () => `I'm paused by my owner right now, so I can't answer. Please try again later.`;
