// The accounts API's refusals in the current language: a structured problem (a password rule, the
// current password) drawn from the catalogues; any other refusal as the server said it.
import { describeError } from '../notify.js';
import { problemParts } from '../problems.js';

export function accountMessage(error) {
  const [problem] = error?.problems ?? [];
  if (!problem?.code) return describeError(error);
  const { column, text } = problemParts(problem);
  return column ? `${column}: ${text}` : text;
}
