import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A file the page loads, with its type and an ETag of its bytes. */
export interface GalleryAsset {
  body: string;
  contentType: string;
  etag: string;
}

/**
 * The client script and stylesheet are plain files beside the sources, read once at start. This file runs from
 * apps/gateway/src/gallery (tests) or apps/gateway/dist/gallery (built), both two levels below apps/gateway.
 */
const ASSET_DIR = join(__dirname, '..', '..', 'src', 'gallery', 'assets');

function asset(name: string, contentType: string): GalleryAsset {
  const body = readFileSync(join(ASSET_DIR, name), 'utf8');
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

export function loadGalleryAssets(): { script: GalleryAsset; style: GalleryAsset } {
  return { script: asset('gallery.js', 'text/javascript; charset=utf-8'), style: asset('gallery.css', 'text/css; charset=utf-8') };
}

/** Only this origin's script, styles, images and API: no inline code, no CDN, no framing. */
export const GALLERY_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of the page and its assets. */
export const GALLERY_HEADERS: Record<string, string> = {
  'content-security-policy': GALLERY_CSP,
  'x-content-type-options': 'nosniff',
  // Signed image URLs must not travel to other sites in a Referer.
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** The page: everything is in the markup; gallery.js only fills in data and reacts to input. */
export function renderGalleryPage(versions: { script: string; style: string }): string {
  const v = (etag: string) => encodeURIComponent(etag.replace(/"/g, '').slice(0, 12));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>simclust gallery</title>
<link rel="stylesheet" href="/gallery/app.css?v=${v(versions.style)}">
<script src="/gallery/app.js?v=${v(versions.script)}" defer></script>
</head>
<body>
<a class="skip-link" href="#clusters-title">Skip to the clusters</a>
<header class="site-header">
  <h1>simclust gallery</h1>
  <div id="session" class="session" hidden>
    <span id="who">Signed in</span>
    <button type="button" id="sign-out">Sign out</button>
  </div>
</header>
<main>
  <p id="message" class="message" role="alert" hidden></p>

  <section id="sign-in" class="card sign-in" aria-labelledby="sign-in-title">
    <h2 id="sign-in-title">Sign in</h2>
    <p class="hint">Use the AccessKeySecret of an access key, or the admin key. It is kept only in this browser tab (session storage) and sent as <code>Authorization: Bearer</code> to this gateway.</p>
    <form id="sign-in-form" autocomplete="off">
      <label for="access-key-secret">AccessKeySecret or admin key</label>
      <input id="access-key-secret" name="secret" type="password" required spellcheck="false" autocapitalize="off">
      <button type="submit" class="primary" id="sign-in-button">Sign in</button>
    </form>
  </section>

  <div id="workspace" class="workspace" hidden>
    <section class="card" aria-labelledby="clusters-title">
      <h2 id="clusters-title" tabindex="-1">Clusters</h2>
      <div class="controls">
        <div><label for="project">Project</label><select id="project"></select></div>
        <div><label for="dataset">Dataset</label><select id="dataset" disabled></select></div>
        <div><label for="sort">Sort by</label>
          <select id="sort"><option value="UpdateTime">Update time</option><option value="CreateTime">Create time</option></select></div>
        <div><label for="order">Order</label>
          <select id="order"><option value="desc">Newest first</option><option value="asc">Oldest first</option></select></div>
        <div><label for="page-size">Per page</label>
          <select id="page-size"><option>10</option><option selected>20</option><option>50</option><option>100</option></select></div>
      </div>
      <p id="cluster-status" class="status-line" role="status" aria-live="polite"></p>
      <ol id="clusters" class="clusters"></ol>
      <nav class="pager" aria-label="Cluster pages">
        <button type="button" id="previous-page" disabled>Previous page</button>
        <span id="page-label"></span>
        <button type="button" id="next-page" disabled>Next page</button>
      </nav>
    </section>

    <aside class="card task-panel" aria-labelledby="tasks-title">
      <h2 id="tasks-title">Tasks</h2>
      <div class="task-actions">
        <button type="button" class="primary" id="start-clustering" disabled>Start clustering</button>
        <button type="button" id="refresh-tasks">Refresh</button>
      </div>
      <p id="task-status" role="status" aria-live="polite"></p>
      <h3>Running</h3>
      <ul id="running-tasks" class="tasks"></ul>
      <h3>Recent results</h3>
      <ul id="recent-tasks" class="tasks"></ul>
    </aside>
  </div>
</main>

<dialog id="compare" class="compare" aria-labelledby="compare-title">
  <div class="compare-head">
    <h2 id="compare-title">Compare</h2>
    <button type="button" id="compare-fit" aria-pressed="false">Fit to pane</button>
    <button type="button" id="compare-close">Close</button>
  </div>
  <div class="panes">
    <div id="compare-left" class="pane"></div>
    <div id="compare-right" class="pane"></div>
  </div>
</dialog>
</body>
</html>
`;
}
