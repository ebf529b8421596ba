/** A mistake in how the command was called: exit code 2, with the message and the command's help. */
export class UsageError extends Error {}
