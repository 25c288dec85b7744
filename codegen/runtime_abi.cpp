// Placeholder until the runtime header lands; replaced below.
