// Who is logged in, and which layers they may see (GET /api/auth/me); logging in and out.
import { getJSON, sendJSON } from '../api.js';

let state = { user: null, collections: null };

/** Ask the server who we are; an unreachable server leaves us anonymous (the layers say why). */
export async function loadSession() {
  try {
    state = await getJSON('/api/auth/me');
  } catch {
    state = { user: null, collections: null };
  }
  return state;
}

export const currentUser = () => state.user;
export const isStaff = () => ['admin', 'planner'].includes(state.user?.role);
export const isOperator = () => state.user?.role === 'operator';
export const mayRegister = () => isStaff() || isOperator();

/** Whether the map may show a collection (null: the server did not say — try, and show its error). */
export const canSee = (collection) => state.collections === null || state.collections.includes(collection);

export async function login(username, password) {
  const body = await sendJSON('/api/auth/login', { body: { username, password } });
  state = { ...state, user: body.user };
  return body.user;
}

export async function logout() {
  await sendJSON('/api/auth/logout');
  state = { user: null, collections: null };
}

export async function changePassword(currentPassword, newPassword) {
  await sendJSON('/api/auth/password', { body: { current_password: currentPassword, new_password: newPassword } });
}
