// The gallery's whole client: plain DOM, no build step. The access key lives only in sessionStorage; every call
// goes to the gateway's own API with Authorization: Bearer, and images come through short-lived signed URLs.
'use strict';

(() => {
  const KEY_STORAGE = 'simclust.gallery.key';
  const LIST_PAGE = 100;
  const LIST_PAGES_MAX = 20;
  const URLS_PER_CALL = 500;
  const POLL_MS = 1000;
  const TASKS_REFRESH_MS = 3000;

  const $ = (id) => {
    const element = document.getElementById(id);
    if (!element) throw new Error('the page lacks #' + id);
    return element;
  };

  const ui = {
    message: $('message'),
    signIn: $('sign-in'),
    signInForm: $('sign-in-form'),
    secret: $('access-key-secret'),
    session: $('session'),
    who: $('who'),
    signOut: $('sign-out'),
    workspace: $('workspace'),
    project: $('project'),
    dataset: $('dataset'),
    sort: $('sort'),
    order: $('order'),
    pageSize: $('page-size'),
    clusterStatus: $('cluster-status'),
    clusters: $('clusters'),
    previous: $('previous-page'),
    next: $('next-page'),
    pageLabel: $('page-label'),
    startClustering: $('start-clustering'),
    refreshTasks: $('refresh-tasks'),
    taskStatus: $('task-status'),
    runningTasks: $('running-tasks'),
    recentTasks: $('recent-tasks'),
    compare: $('compare'),
    compareTitle: $('compare-title'),
    compareLeft: $('compare-left'),
    compareRight: $('compare-right'),
    compareFit: $('compare-fit'),
    compareClose: $('compare-close'),
  };

  const state = {
    key: sessionStorage.getItem(KEY_STORAGE) || '',
    /** NextTokens of the pages seen so far: tokens[i] opens page i (tokens[0] is undefined). */
    tokens: [undefined],
    page: 0,
    clusters: [],
    images: new Map(),
    watching: new Set(),
    pollTimer: undefined,
    tasksTimer: undefined,
  };

  class ApiError extends Error {
    constructor(status, body) {
      super(body && body.Message ? body.Message : 'The gateway answered HTTP ' + status + '.');
      this.status = status;
      this.code = body && body.Code ? body.Code : 'HTTP' + status;
      this.requestId = body && body.RequestId ? body.RequestId : '';
    }
  }

  async function request(path, payload) {
    let response;
    try {
      response = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer ' + state.key },
        body: JSON.stringify(payload),
      });
    } catch (err) {
      throw new ApiError(0, { Code: 'NetworkError', Message: 'The gateway cannot be reached (' + err.message + ').' });
    }
    let body;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  const call = (action, params) => request('/', Object.assign({ Action: action }, params));

  /** Every item of a listing, page by page (bounded: a gallery does not need more). */
  async function listAll(action, params, field) {
    const items = [];
    let token;
    for (let i = 0; i < LIST_PAGES_MAX; i++) {
      const page = await call(action, Object.assign({}, params, { MaxResults: LIST_PAGE }, token ? { NextToken: token } : {}));
      items.push(...(page[field] || []));
      token = page.NextToken;
      if (!token) break;
    }
    return items;
  }

  // ---- small DOM helpers: text only, never HTML from data ----

  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'text') node.textContent = String(value);
      else if (name === 'className') node.className = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children || []) if (child) node.append(child);
    return node;
  }

  function showMessage(text, kind) {
    ui.message.textContent = text;
    ui.message.dataset.kind = kind || 'error';
    ui.message.hidden = !text;
  }

  function describeError(err, doing) {
    if (err instanceof ApiError) {
      if (err.status === 401) return 'The gateway refused this access key: ' + err.message + ' Sign in again with a valid key.';
      if (err.status === 403) return 'This access key may not ' + doing + ': ' + err.message;
      if (err.status === 429) return 'Too many requests for this key or project; wait a moment and try again.';
      return 'Could not ' + doing + ' (' + err.code + '): ' + err.message + (err.requestId ? ' [RequestId ' + err.requestId + ']' : '');
    }
    return 'Could not ' + doing + ': ' + (err && err.message ? err.message : String(err));
  }

  /** Reports a failure; a refused key ends the session so the sign-in form comes back. */
  function fail(err, doing) {
    showMessage(describeError(err, doing), 'error');
    if (err instanceof ApiError && err.status === 401) signOut(false);
  }

  const fileName = (uri) => {
    const last = uri.split(/[/\\]/).pop() || uri;
    try {
      return decodeURIComponent(last);
    } catch {
      return last;
    }
  };
  const score = (value) => (typeof value === 'number' ? value.toFixed(2) : '–');
  const when = (rfc3339) => (rfc3339 ? new Date(rfc3339).toLocaleString() : '');

  function setOptions(select, values, placeholder) {
    select.replaceChildren(el('option', { value: '', text: placeholder }), ...values.map((v) => el('option', { value: v, text: v })));
  }

  // ---- session ----

  async function signIn(secret) {
    state.key = secret;
    showMessage('', 'info');
    let projects = [];
    try {
      projects = await listAll('ListProjects', {}, 'Projects');
    } catch (err) {
      fail(err, 'list projects');
      // A refused key ends here; a key that may not list projects is still signed in.
      if (err instanceof ApiError && err.status === 401) return;
    }
    sessionStorage.setItem(KEY_STORAGE, secret);
    enterWorkspace(projects.map((p) => p.ProjectName));
  }

  function enterWorkspace(projectNames) {
    ui.signIn.hidden = true;
    ui.session.hidden = false;
    ui.workspace.hidden = false;
    ui.who.textContent = 'Signed in';
    setOptions(ui.project, projectNames, projectNames.length ? 'Choose a project' : 'No projects');
    setOptions(ui.dataset, [], 'Choose a project first');
    ui.dataset.disabled = true;
    resetClusters('Choose a project and a dataset to see its clusters.');
    renderTasks([], []);
    ui.startClustering.disabled = true;
    ui.project.focus();
  }

  function signOut(clearMessage) {
    sessionStorage.removeItem(KEY_STORAGE);
    state.key = '';
    state.watching.clear();
    clearTimeout(state.pollTimer);
    clearTimeout(state.tasksTimer);
    ui.secret.value = '';
    ui.workspace.hidden = true;
    ui.session.hidden = true;
    ui.signIn.hidden = false;
    if (clearMessage) showMessage('', 'info');
    ui.secret.focus();
  }

  // ---- project and dataset ----

  async function chooseProject() {
    const project = ui.project.value;
    resetClusters('Choose a dataset to see its clusters.');
    ui.startClustering.disabled = true;
    setOptions(ui.dataset, [], project ? 'Loading datasets…' : 'Choose a project first');
    ui.dataset.disabled = true;
    if (!project) return renderTasks([], []);
    refreshTasks();
    try {
      const datasets = await listAll('ListDatasets', { ProjectName: project }, 'Datasets');
      setOptions(ui.dataset, datasets.map((d) => d.DatasetName), datasets.length ? 'Choose a dataset' : 'No datasets in this project');
      ui.dataset.disabled = datasets.length === 0;
    } catch (err) {
      setOptions(ui.dataset, [], 'Datasets unavailable');
      fail(err, 'list the datasets of ' + project);
    }
  }

  function chooseDataset() {
    state.tokens = [undefined];
    state.page = 0;
    ui.startClustering.disabled = !ui.dataset.value;
    if (!ui.dataset.value) return resetClusters('Choose a dataset to see its clusters.');
    loadClusters();
  }

  function resetClusters(text) {
    state.clusters = [];
    ui.clusters.replaceChildren();
    ui.clusterStatus.textContent = text;
    ui.previous.disabled = true;
    ui.next.disabled = true;
    ui.pageLabel.textContent = '';
  }

  // ---- clusters ----

  async function imageUrls(project, dataset, uris) {
    const images = new Map();
    for (let i = 0; i < uris.length; i += URLS_PER_CALL) {
      const answer = await request('/gallery/image-urls', { ProjectName: project, DatasetName: dataset, URIs: uris.slice(i, i + URLS_PER_CALL) });
      for (const image of answer.Images) images.set(image.URI, image);
      if (answer.AccessKeyId) ui.who.textContent = 'Signed in as ' + answer.AccessKeyId;
    }
    return images;
  }

  async function loadClusters() {
    const project = ui.project.value;
    const dataset = ui.dataset.value;
    if (!project || !dataset) return;
    ui.clusterStatus.textContent = 'Loading clusters…';
    ui.clusters.setAttribute('aria-busy', 'true');
    try {
      const token = state.tokens[state.page];
      const answer = await call('QuerySimilarImageClusters', {
        ProjectName: project,
        DatasetName: dataset,
        Sort: ui.sort.value,
        Order: ui.order.value,
        MaxResults: Number(ui.pageSize.value),
        ...(token ? { NextToken: token } : {}),
      });
      const clusters = answer.SimilarImageClusters || [];
      state.tokens[state.page + 1] = answer.NextToken;
      state.tokens.length = state.page + 2;
      const uris = [...new Set(clusters.flatMap((c) => c.Files.map((f) => f.URI)))];
      state.images = uris.length ? await imageUrls(project, dataset, uris) : new Map();
      state.clusters = clusters;
      renderClusters(project, dataset);
    } catch (err) {
      resetClusters('The clusters could not be loaded.');
      fail(err, 'query the clusters of ' + dataset);
    } finally {
      ui.clusters.removeAttribute('aria-busy');
    }
  }

  function scoreDetails(file) {
    const details = file.ScoreDetails;
    const list = el('dl', { className: 'score' }, [el('dt', { text: 'Score' }), el('dd', { text: score(file.ImageScore) })]);
    if (details) {
      for (const part of ['Sharpness', 'Exposure', 'Resolution']) list.append(el('dt', { text: part }), el('dd', { text: score(details[part]) }));
    }
    return list;
  }

  function renderClusters(project, dataset) {
    const clusters = state.clusters;
    const first = state.page * Number(ui.pageSize.value);
    ui.previous.disabled = state.page === 0;
    ui.next.disabled = !state.tokens[state.page + 1];
    ui.pageLabel.textContent = clusters.length || state.page ? 'Page ' + (state.page + 1) : '';
    if (clusters.length === 0) {
      ui.clusters.replaceChildren();
      ui.clusterStatus.textContent =
        state.page === 0
          ? 'The dataset ' + dataset + ' has no clusters yet. Index images into it, then start a clustering task.'
          : 'No more clusters.';
      return;
    }
    ui.clusterStatus.textContent = clusters.length + (clusters.length === 1 ? ' cluster' : ' clusters') + ' on this page, best shot first in each.';
    ui.clusters.replaceChildren(
      ...clusters.map((cluster, index) => {
        const number = first + index + 1;
        const headingId = 'cluster-' + cluster.ObjectId;
        const thumbs = cluster.Files.map((file, position) => {
          const best = position === 0;
          const image = state.images.get(file.URI);
          const name = fileName(file.URI);
          const img = el('img', {
            src: image ? image.ThumbnailURL : undefined,
            alt: name + (best ? ', best shot' : '') + ', score ' + score(file.ImageScore),
            decoding: 'async',
          });
          img.addEventListener('error', () => img.closest('.thumb').classList.add('missing'));
          const button = el('button', { type: 'button', className: 'thumb-button', title: 'Compare ' + name + (best ? '' : ' with the best shot') }, [img]);
          button.addEventListener('click', () => openCompare(cluster, number, best ? 0 : position, best ? Math.min(1, cluster.Files.length - 1) : 0));
          return el('li', { className: best ? 'thumb best' : 'thumb', 'data-uri': file.URI }, [
            button,
            best ? el('span', { className: 'badge', text: 'Best shot' }) : null,
            el('p', { className: 'name', text: name }),
            scoreDetails(file),
          ]);
        });
        const compare = el('button', { type: 'button', className: 'compare-button', text: 'Compare' });
        compare.addEventListener('click', () => openCompare(cluster, number, 0, Math.min(1, cluster.Files.length - 1)));
        return el('li', { className: 'cluster', 'data-cluster-id': cluster.ObjectId, 'aria-labelledby': headingId }, [
          el('div', { className: 'cluster-head' }, [
            el('h3', { id: headingId, text: 'Cluster ' + number + ' · ' + cluster.Files.length + ' images' }),
            el('p', { className: 'meta', text: 'Updated ' + when(cluster.UpdateTime) + ' · created ' + when(cluster.CreateTime) }),
            compare,
          ]),
          el('ul', { className: 'thumbs' }, thumbs),
        ]);
      }),
    );
  }

  // ---- side-by-side comparison ----

  function openCompare(cluster, number, left, right) {
    ui.compareTitle.textContent = 'Compare images of cluster ' + number;
    fillPane(ui.compareLeft, cluster, left, 'Left image');
    fillPane(ui.compareRight, cluster, right, 'Right image');
    if (!ui.compare.open) ui.compare.showModal();
  }

  function fillPane(pane, cluster, position, label) {
    const id = pane.id + '-choice';
    const select = el('select', { id }, cluster.Files.map((file, i) => el('option', { value: String(i), text: (i === 0 ? 'Best shot: ' : '') + fileName(file.URI) })));
    select.value = String(position);
    const file = cluster.Files[position];
    const image = state.images.get(file.URI);
    const name = fileName(file.URI);
    const img = el('img', { src: image ? image.ImageURL || image.ThumbnailURL : undefined, alt: name + (position === 0 ? ', best shot' : '') + ', full size' });
    const size = el('p', { className: 'meta', text: image && !image.ImageURL ? 'Thumbnail only: the original is at ' + file.URI : '' });
    img.addEventListener('load', () => {
      if (image && image.ImageURL) size.textContent = img.naturalWidth + ' × ' + img.naturalHeight + ' px';
    });
    select.addEventListener('change', () => fillPane(pane, cluster, Number(select.value), label));
    pane.replaceChildren(
      el('label', { for: id, text: label }),
      select,
      el('figure', {}, [
        el('div', { className: 'frame', tabindex: '0', 'aria-label': name + ', scroll to see all of it' }, [img]),
        el('figcaption', {}, [position === 0 ? el('span', { className: 'badge', text: 'Best shot' }) : null, el('p', { className: 'name', text: name }), size, scoreDetails(file)]),
      ]),
    );
  }

  // ---- tasks ----

  function taskItem(task) {
    const done = task.Status !== 'Running';
    const children = [
      el('p', { className: 'task-head' }, [
        el('span', { className: 'status status-' + task.Status.toLowerCase(), text: task.Status }),
        el('span', { text: ' ' + task.TaskType }),
      ]),
      el('p', { className: 'meta', text: task.TaskId + ' · started ' + when(task.StartTime) + (task.EndTime ? ' · ended ' + when(task.EndTime) : '') }),
    ];
    if (!done) {
      const progress = el('progress', { max: '100', value: String(Math.round(task.Progress || 0)), 'aria-label': 'Progress of ' + task.TaskId });
      children.push(el('p', { className: 'progress' }, [progress, el('span', { text: ' ' + Math.round(task.Progress || 0) + '%' })]));
    }
    if (task.Status === 'Failed') children.push(el('p', { className: 'meta', text: (task.Code || '') + ': ' + (task.Message || '') }));
    return el('li', { className: 'task', 'data-task-id': task.TaskId, 'data-status': task.Status }, children);
  }

  function renderTasks(running, recent) {
    ui.runningTasks.replaceChildren(...(running.length ? running.map(taskItem) : [el('li', { className: 'empty', text: 'No running tasks.' })]));
    ui.recentTasks.replaceChildren(...(recent.length ? recent.map(taskItem) : [el('li', { className: 'empty', text: 'No tasks yet.' })]));
  }

  async function refreshTasks() {
    clearTimeout(state.tasksTimer);
    const project = ui.project.value;
    if (!project || !state.key) return;
    try {
      const [running, recent] = await Promise.all([
        call('ListTasks', { ProjectName: project, Status: 'Running', Sort: 'StartTime', Order: 'desc', MaxResults: 20 }),
        call('ListTasks', { ProjectName: project, Sort: 'StartTime', Order: 'desc', MaxResults: 10 }),
      ]);
      if (ui.project.value !== project) return;
      renderTasks(running.Tasks || [], (recent.Tasks || []).filter((t) => t.Status !== 'Running'));
      // Progress stays live while anything runs, whoever started it (the CLI, a script, this page).
      if ((running.Tasks || []).length) state.tasksTimer = setTimeout(refreshTasks, TASKS_REFRESH_MS);
    } catch (err) {
      fail(err, 'list the tasks of ' + project);
    }
  }

  async function startClustering() {
    const project = ui.project.value;
    const dataset = ui.dataset.value;
    if (!project || !dataset) return;
    ui.startClustering.disabled = true;
    try {
      const { TaskId } = await call('CreateSimilarImageClusteringTask', { ProjectName: project, DatasetName: dataset });
      ui.taskStatus.textContent = 'Clustering task ' + TaskId + ' started.';
      ui.taskStatus.dataset.taskId = TaskId;
      state.watching.add(TaskId);
      await refreshTasks();
      poll(project, dataset);
    } catch (err) {
      fail(err, 'start a clustering task on ' + dataset);
    } finally {
      ui.startClustering.disabled = !ui.dataset.value;
    }
  }

  /** Follows the tasks started here with GetTask until each ends, refreshing the panel and, at the end, the clusters. */
  function poll(project, dataset) {
    clearTimeout(state.pollTimer);
    state.pollTimer = setTimeout(async () => {
      if (ui.project.value !== project || !state.key) return;
      for (const taskId of [...state.watching]) {
        try {
          const task = await call('GetTask', { ProjectName: project, TaskType: 'SimilarImageClustering', TaskId: taskId });
          if (task.Status === 'Running') continue;
          state.watching.delete(taskId);
          ui.taskStatus.textContent = 'Clustering task ' + taskId + ' ' + task.Status + (task.Status === 'Failed' ? ': ' + task.Message : '.');
          if (ui.dataset.value === dataset) {
            state.tokens = [undefined];
            state.page = 0;
            await loadClusters();
          }
        } catch (err) {
          state.watching.delete(taskId);
          fail(err, 'follow task ' + taskId);
        }
      }
      await refreshTasks();
      if (state.watching.size) poll(project, dataset);
    }, POLL_MS);
  }

  // ---- wiring ----

  ui.signInForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const secret = ui.secret.value.trim();
    if (!secret) return showMessage('Enter an AccessKeySecret (or the admin key) to sign in.', 'error');
    signIn(secret);
  });
  ui.signOut.addEventListener('click', () => signOut(true));
  ui.project.addEventListener('change', chooseProject);
  ui.dataset.addEventListener('change', chooseDataset);
  for (const control of [ui.sort, ui.order, ui.pageSize]) control.addEventListener('change', chooseDataset);
  ui.previous.addEventListener('click', () => {
    if (state.page > 0) state.page--;
    loadClusters();
  });
  ui.next.addEventListener('click', () => {
    if (!state.tokens[state.page + 1]) return;
    state.page++;
    loadClusters();
  });
  ui.startClustering.addEventListener('click', startClustering);
  ui.refreshTasks.addEventListener('click', refreshTasks);
  ui.compareClose.addEventListener('click', () => ui.compare.close());
  ui.compareFit.addEventListener('click', () => {
    const fit = ui.compareFit.getAttribute('aria-pressed') !== 'true';
    ui.compareFit.setAttribute('aria-pressed', String(fit));
    ui.compare.classList.toggle('fit', fit);
  });

  if (state.key) signIn(state.key);
  else ui.secret.focus();
})();
