// Placeholder entry; replaced by the real agent.
console.log('mono-agent');
