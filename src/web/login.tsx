/** The sign-in page: an API token from hark.yaml's api_tokens, once per device. */
import { Layout } from './layout.js';

export function LoginPage(p: { next: string; error: string | null }) {
  return (
    <Layout title="Sign in">
      <h1>Sign in</h1>
      {p.error ? <p class="flash error">{p.error}</p> : null}
      <form method="post" action="/login" class="card">
        <input type="hidden" name="next" value={p.next} />
        <label for="token">API token</label>
        <p class="small muted" style="margin:2px 0 8px">
          One of the <code>api_tokens</code> in hark.yaml. You stay signed in on this device for 30 days.
        </p>
        <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
        <div class="actions">
          <button type="submit" class="primary">
            Sign in
          </button>
        </div>
      </form>
    </Layout>
  );
}
