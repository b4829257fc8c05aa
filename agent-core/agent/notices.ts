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

export const held = () =>
  `I'm paused by my owner right now. Your message waits here, and I'll answer it as soon as I'm back.`;

export const heldForOwner = () =>
  `Paused: I'll answer this once you resume (/resume; /resume skip drops what waits).`;

export const overBudget = () =>
  `Sorry — I can't answer right now: my owner's usage limit for now is reached. Please try again later.`;

export const notSetUp = () =>
  `Hi! I'm a personal assistant that isn't set up yet, so I can't answer. If you are my owner, finish the setup in the MONO app and send me the code it shows you.`;

/** The answer to a claim code (contract/owners.ts). */
export const claimed = (outcome: 'claimed' | 'already-owner' | 'used' | 'expired' | 'unknown') => {
  switch (outcome) {
    case 'claimed':
      return `Done: you are my owner now. I'll answer you with all my tools and memory, and your commands work (/help).`;
    case 'already-owner':
      return `You are my owner already; this code stays unused (send it from the account you want to add).`;
    case 'used':
      return `That code was used already. Make a new one in the MONO app (or with "mono owner claim").`;
    case 'expired':
      return `That code has expired. Make a new one in the MONO app (or with "mono owner claim").`;
    default:
      return `That code is not one I know. Check it, or make a new one in the MONO app (or with "mono owner claim").`;
  }
};
