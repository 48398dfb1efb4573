// The main flows of a frontend, written against the client that
// @hey-api/openapi-ts generates into ./gen: register, login, me, patch,
// logout over the bearer backend. examples/basic's TestGeneratedClient
// generates ./gen from the document the example serves and from FastAPI
// Users' own openapi.json, compiles this file against each (so both name
// the functions and types alike) and runs it against the example server.
import { client } from "./gen/client.gen";
import {
  authJwtLoginAuthJwtLoginPost,
  authJwtLogoutAuthJwtLogoutPost,
  registerRegisterAuthRegisterPost,
  usersCurrentUserUsersMeGet,
  usersPatchCurrentUserUsersMePatch,
} from "./gen/sdk.gen";

// Node's own, without @types/node.
declare const process: { env: Record<string, string | undefined>; exitCode?: number };

// detail is the detail of an error answer, whatever type the document
// gives it (FastAPI Users' documents no body for its 401s).
function detail(error: unknown): unknown {
  return (error as { detail?: unknown } | undefined)?.detail;
}

function check(ok: boolean, what: string, answer: { response: Response; error?: unknown }): void {
  if (!ok) {
    throw new Error(`${what}: ${answer.response.status} ${JSON.stringify(answer.error)}`);
  }
}

async function main(): Promise<void> {
  const email = process.env.USERSAUTH_EMAIL ?? "king.arthur@camelot.bt";
  const newEmail = "new." + email;
  const password = "guinevere";
  let token = "";
  // auth answers the security schemes of the operations that have one:
  // the bearer token, once there is one.
  client.setConfig({ baseUrl: process.env.USERSAUTH_BASE_URL, auth: () => token || undefined });

  const registered = await registerRegisterAuthRegisterPost({ body: { email, password } });
  check(registered.response.status === 201 && registered.data?.email === email, "register", registered);

  const refused = await authJwtLoginAuthJwtLoginPost({ body: { username: email, password: "excalibur" } });
  check(refused.response.status === 400 && detail(refused.error) === "LOGIN_BAD_CREDENTIALS", "login with a wrong password", refused);

  const login = await authJwtLoginAuthJwtLoginPost({ body: { username: email, password } });
  check(login.response.status === 200 && login.data?.token_type === "bearer", "login", login);
  token = login.data?.access_token ?? "";

  const me = await usersCurrentUserUsersMeGet();
  check(me.response.status === 200 && me.data?.email === email && me.data?.is_active === true, "me", me);

  const patched = await usersPatchCurrentUserUsersMePatch({ body: { email: newEmail } });
  check(patched.response.status === 200 && patched.data?.email === newEmail && patched.data?.is_verified === false, "patch", patched);

  const again = await usersCurrentUserUsersMeGet();
  check(again.data?.email === newEmail, "me after patch", again);

  const logout = await authJwtLogoutAuthJwtLogoutPost();
  check(logout.response.status === 204, "logout", logout);

  token = "";
  const anonymous = await usersCurrentUserUsersMeGet();
  check(anonymous.response.status === 401 && detail(anonymous.error) === "Unauthorized", "me without a token", anonymous);

  console.log("register, login, me, patch, logout: ok");
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
