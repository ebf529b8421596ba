/* global document, window, fetch, sessionStorage, localStorage, location, history, crypto, URLSearchParams, Blob, btoa */
// The club's web page (issue 16): plain ES module, no framework. Data from the club API (shared/web/club-api.ts);
// the page filters a period's activities itself, so typing in the search box costs no round trip.

const PAGE = 250;
// Material Icons' thumb_up (Apache License 2.0); thumb down is the same, turned. Inline: no emoji font needed.
const THUMB =
  'M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z';
const thumb = (up) =>
  `<svg class="icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false"${up ? '' : ' transform="rotate(180)"'}><path fill="currentColor" d="${THUMB}"/></svg>`;
const TEXT = {
  sv: {
    title: 'LOK-stöd: närvaro och ansökan',
    skip: 'Hoppa till innehållet',
    signIn: 'Logga in',
    signOut: 'Logga ut',
    signInLocal: 'Lokalt läge: välj vem du är. I molnet loggar du in med ditt konto.',
    signInAs: 'Logga in som',
    allClubs: 'alla föreningar',
    club: 'Förening',
    clubHint: 'RF-support: skriv föreningens id',
    period: 'Period',
    verdict: 'Status',
    all: 'Alla',
    approved: 'Godkända',
    rejected: 'Ej godkända',
    source: 'Externt system',
    search: 'Sök',
    searchHint: 'Id, datum, idrott, kod …',
    activities: 'Aktiviteter',
    application: 'Ansökan',
    more: 'Visa fler',
    back: '← Tillbaka till listan',
    spring: 'vår',
    autumn: 'höst',
    shown: 'visas',
    of: 'av',
    approvedOne: 'Godkänd',
    rejectedOne: 'Ej godkänd',
    pending: 'Väntar på bedömning',
    counted: 'räknade deltagare',
    forecast: 'Prognos',
    none: 'Inga aktiviteter matchar.',
    loading: 'Hämtar …',
    failed: 'Något gick fel',
    date: 'Datum',
    time: 'Tid',
    sport: 'Idrott',
    type: 'Typ',
    group: 'Grupp',
    place: 'Plats',
    received: 'Mottagen',
    reasons: 'Skäl',
    warnings: 'Varningar',
    payment: 'Ersättning',
    leaders: 'Ledare',
    participants: 'Deltagare',
    anonymous: 'Skyddad identitet',
    valid: 'giltig',
    notValid: 'ej giltig',
    isCounted: 'räknad',
    notCounted: 'ej räknad',
    fix: 'Åtgärd',
    noReasons: 'Inga skäl: aktiviteten är godkänd.',
    main: 'Huvudansökan',
    supplementary: 'Kompletterande ansökan (efterregistrerade aktiviteter)',
    countedLabel: 'Räknade deltagare',
    nobody: 'Ingen',
    deadline: 'Sista ansökningsdag',
    closes: 'Perioden stänger efter',
    approvedActivities: 'Godkända aktiviteter',
    participations: 'Deltagartillfällen',
    paidFull: 'Betalda, hel ersättning',
    paidReduced: 'Betalda, reducerad ersättning',
    unpaid: 'Ej betalda',
    extraLeader: 'Med extra ledarstöd',
    perSport: 'Per idrott',
    perSource: 'Per externt system',
    sent: 'Inskickad',
    by: 'av',
    notSent: 'Inte inskickad',
    submit: 'Skicka in',
    confirmText:
      'En ansökan kan bara skickas in en gång. Därefter är perioden stängd för nya aktiviteter (utom efterregistrerade, till den kompletterande ansökan).',
    confirm: 'Ja, skicka in',
    cancel: 'Avbryt',
    submitted: 'Ansökan är inskickad.',
    exportCsv: 'Exportera (CSV)',
    exportJson: 'Exportera (JSON)',
    cannotSubmit: 'Kan inte skickas in nu.',
    activitiesWord: 'aktiviteter',
    rejectedCount: 'ej godkända',
    approvedCount: 'godkända',
    sek: 'kr',
    yes: 'ja',
    no: 'nej',
    born: 'född',
    openClub: 'Visa',
    signedInAs: 'Inloggad som',
    types: {
      training: 'Träning',
      competition: 'Tävling',
      camp: 'Läger',
      other: 'Annat',
      meeting: 'Möte',
      education: 'Utbildning',
    },
  },
  en: {
    title: 'LOK support: attendance and application',
    skip: 'Skip to content',
    signIn: 'Sign in',
    signOut: 'Sign out',
    signInLocal: 'Local mode: choose who you are. In the cloud you sign in with your account.',
    signInAs: 'Sign in as',
    allClubs: 'every club',
    club: 'Club',
    clubHint: 'RF support: type the club id',
    period: 'Period',
    verdict: 'Status',
    all: 'All',
    approved: 'Approved',
    rejected: 'Not approved',
    source: 'Source system',
    search: 'Search',
    searchHint: 'Id, date, sport, code …',
    activities: 'Activities',
    application: 'Application',
    more: 'Show more',
    back: '← Back to the list',
    spring: 'spring',
    autumn: 'autumn',
    shown: 'shown',
    of: 'of',
    approvedOne: 'Approved',
    rejectedOne: 'Not approved',
    pending: 'Awaiting judgement',
    counted: 'counted participants',
    forecast: 'Forecast',
    none: 'No activities match.',
    loading: 'Loading …',
    failed: 'Something went wrong',
    date: 'Date',
    time: 'Time',
    sport: 'Sport',
    type: 'Type',
    group: 'Group',
    place: 'Place',
    received: 'Received',
    reasons: 'Reasons',
    warnings: 'Warnings',
    payment: 'Payment',
    leaders: 'Leaders',
    participants: 'Participants',
    anonymous: 'Protected identity',
    valid: 'valid',
    notValid: 'not valid',
    isCounted: 'counted',
    notCounted: 'not counted',
    fix: 'Fix',
    noReasons: 'No reasons: the activity is approved.',
    main: 'Main application',
    supplementary: 'Supplementary application (activities registered late)',
    countedLabel: 'Counted participants',
    nobody: 'Nobody',
    deadline: 'Application deadline',
    closes: 'The period closes after',
    approvedActivities: 'Approved activities',
    participations: 'Participations (deltagartillfällen)',
    paidFull: 'Paid, full rate',
    paidReduced: 'Paid, reduced rate',
    unpaid: 'Not paid',
    extraLeader: 'With extra leader support',
    perSport: 'Per sport',
    perSource: 'Per source system',
    sent: 'Sent',
    by: 'by',
    notSent: 'Not sent',
    submit: 'Send',
    confirmText:
      'An application can be sent once. Then the period is closed for new activities (except those registered late, for the supplementary application).',
    confirm: 'Yes, send it',
    cancel: 'Cancel',
    submitted: 'The application is sent.',
    exportCsv: 'Export (CSV)',
    exportJson: 'Export (JSON)',
    cannotSubmit: 'Cannot be sent now.',
    activitiesWord: 'activities',
    rejectedCount: 'not approved',
    approvedCount: 'approved',
    sek: 'SEK',
    yes: 'yes',
    no: 'no',
    born: 'born',
    openClub: 'Show',
    signedInAs: 'Signed in as',
    types: {
      training: 'Training',
      competition: 'Competition',
      camp: 'Camp',
      other: 'Other',
      meeting: 'Meeting',
      education: 'Education',
    },
  },
};

const state = {
  lang: localStorage.getItem('lok-lang') === 'en' ? 'en' : 'sv',
  config: { auth: 'dev', api: '/api' },
  token: sessionStorage.getItem('lok-token'),
  me: undefined,
  club: undefined,
  period: undefined,
  activities: [],
  shown: PAGE,
  tab: 'activities',
  application: undefined,
};
const $ = (id) => document.getElementById(id);
const t = (key) => TEXT[state.lang][key] ?? key;
const esc = (text) =>
  String(text ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
const money = (sek) =>
  new Intl.NumberFormat(state.lang === 'sv' ? 'sv-SE' : 'en-GB', { style: 'currency', currency: 'SEK' }).format(sek);
const periodName = (p) => `${p.slice(0, 4)} ${p.endsWith('-1') ? t('spring') : t('autumn')} (${p})`;
const capital = (text) => text.charAt(0).toUpperCase() + text.slice(1);
const reasonText = (r) => capital(state.lang === 'sv' ? r.sv : r.en);

class ApiError extends Error {
  constructor(status, error) {
    super(error?.code ?? String(status));
    this.status = status;
    this.error = error;
  }
}

async function api(path, options = {}) {
  const response = await fetch(`${state.config.api}${path}`, {
    ...options,
    headers: {
      ...(options.body ? { 'content-type': 'application/json' } : {}),
      ...(state.token ? { authorization: `Bearer ${state.token}` } : {}),
    },
  });
  if (response.status === 401) {
    signOut();
    throw new ApiError(401);
  }
  const type = response.headers.get('content-type') ?? '';
  const body = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(response.status, body?.error);
  return body;
}

function say(message) {
  $('status').textContent = message ?? '';
}
function fail(error) {
  const e = error instanceof ApiError && error.error;
  say(e && e.sv ? `${e.code}: ${state.lang === 'sv' ? e.sv : e.en}` : `${t('failed')} (${error.message})`);
}

function translate() {
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const el of document.querySelectorAll('[data-t-placeholder]')) el.placeholder = t(el.dataset.tPlaceholder);
  document.title = t('title');
  const other = state.lang === 'sv' ? 'en' : 'sv';
  $('lang').textContent = other === 'en' ? 'English' : 'Svenska';
  $('lang').lang = other;
}

// --- signing in -------------------------------------------------------------------------------------------------
// Local mode: a dev login listing its users. The cloud: Cognito's hosted sign-in (authorization code with PKCE);
// the ID token is the Bearer token the API's authorizer checks.

const base64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

async function cognitoSignIn() {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const stateValue = base64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem('lok-pkce', JSON.stringify({ verifier, state: stateValue }));
  const { signIn, clientId, redirect } = state.config;
  location.assign(
    `${signIn}/oauth2/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirect, scope: 'openid email profile', code_challenge_method: 'S256', code_challenge: challenge, state: stateValue })}`,
  );
}

/** Back from Cognito with `?code=…&state=…`: the code exchanged for tokens; true when signed in. */
async function cognitoReturn() {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const saved = JSON.parse(sessionStorage.getItem('lok-pkce') ?? 'null');
  if (!code || !saved || params.get('state') !== saved.state) return false;
  sessionStorage.removeItem('lok-pkce');
  const { signIn, clientId, redirect } = state.config;
  const response = await fetch(`${signIn}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: clientId,
      code,
      redirect_uri: redirect,
      code_verifier: saved.verifier,
    }),
  });
  if (!response.ok) throw new Error(`sign-in ${response.status}`);
  state.token = (await response.json()).id_token;
  sessionStorage.setItem('lok-token', state.token);
  history.replaceState(null, '', location.pathname);
  return true;
}

async function showSignIn() {
  if (state.config.auth === 'cognito') return cognitoSignIn();
  $('app').hidden = true;
  $('signin').hidden = false;
  $('signout').hidden = true;
  $('who').textContent = '';
  const users = await api('/dev/users');
  $('users').innerHTML = users
    .map(
      (u) =>
        `<li><button type="button" data-user="${esc(u.user)}">${esc(t('signInAs'))} <strong>${esc(u.user)}</strong> (${u.clubs === 'all' ? esc(t('allClubs')) : esc(u.clubs.join(', '))})</button></li>`,
    )
    .join('');
}

async function signInAs(user) {
  const { token } = await api('/dev/sign-in', { method: 'POST', body: JSON.stringify({ user }) });
  state.token = token;
  sessionStorage.setItem('lok-token', token);
  await start();
}

function signOut() {
  state.token = null;
  sessionStorage.removeItem('lok-token');
  location.hash = '';
  if (state.config.auth === 'cognito') {
    location.assign(
      `${state.config.signIn}/logout?${new URLSearchParams({ client_id: state.config.clientId, logout_uri: state.config.redirect })}`,
    );
    return;
  }
  void showSignIn().catch(fail);
}

// --- the club, the period, the list -----------------------------------------------------------------------------

async function start() {
  if (!state.token) return showSignIn();
  state.me = await api('/me');
  $('signin').hidden = true;
  $('app').hidden = false;
  $('signout').hidden = false;
  $('who').textContent = `${t('signedInAs')} ${state.me.user}`;
  const select = $('club');
  select.hidden = state.me.all;
  $('club-id').hidden = !state.me.all;
  $('club-hint').hidden = !state.me.all;
  $('club').parentElement.querySelector('label').htmlFor = state.me.all ? 'club-id' : 'club';
  select.innerHTML = state.me.clubs
    .map((c) => `<option value="${esc(c.id)}">${esc(c.name)} (${esc(c.id)})</option>`)
    .join('');
  const wanted = new URLSearchParams(location.search).get('club');
  const club = state.me.all
    ? (wanted ?? sessionStorage.getItem('lok-club') ?? '')
    : (state.me.clubs.find((c) => c.id === wanted)?.id ?? state.me.clubs[0]?.id);
  $('club-id').value = club ?? '';
  if (club) await chooseClub(club);
}

async function chooseClub(club) {
  state.club = club;
  sessionStorage.setItem('lok-club', club);
  const { periods, current } = await api(`/clubs/${encodeURIComponent(club)}/periods`);
  $('period').innerHTML = periods.map((p) => `<option value="${esc(p)}">${esc(periodName(p))}</option>`).join('');
  const wanted = new URLSearchParams(location.search).get('period');
  state.period = periods.includes(wanted) ? wanted : current;
  $('period').value = state.period;
  await loadPeriod();
}

async function loadPeriod() {
  say(t('loading'));
  const started = performance.now();
  const [list, application] = await Promise.all([
    api(`/clubs/${encodeURIComponent(state.club)}/activities?period=${encodeURIComponent(state.period)}`),
    api(`/clubs/${encodeURIComponent(state.club)}/application?period=${encodeURIComponent(state.period)}`),
  ]);
  state.activities = list.activities;
  state.application = application;
  const vendors = [...new Set(state.activities.map((a) => a.vendor))].sort();
  const chosen = $('vendor').value;
  $('vendor').innerHTML =
    `<option value="">${esc(t('all'))}</option>${vendors.map((v) => `<option value="${esc(v)}">${esc(v)}</option>`).join('')}`;
  $('vendor').value = vendors.includes(chosen) ? chosen : '';
  state.shown = PAGE;
  say('');
  await route();
  window.lokLoadedMs = performance.now() - started;
  document.body.dataset.loaded = 'true';
}

function matches(a, verdict, vendor, words) {
  if (verdict && a.verdict !== verdict) return false;
  if (vendor && a.vendor !== vendor) return false;
  if (words.length === 0) return true;
  const text =
    `${a.id} ${a.date ?? ''} ${a.start ?? ''} ${a.sport ?? ''} ${a.type} ${t('types')[a.type] ?? ''} ${a.vendor} ${a.reasons.join(' ')} ${a.warnings.join(' ')}`.toLowerCase();
  return words.every((w) => text.includes(w));
}

function filtered() {
  const words = $('q')
    .value.toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
  return state.activities.filter((a) => matches(a, $('verdict').value, $('vendor').value, words));
}

function renderList() {
  const found = filtered();
  const approved = found.filter((a) => a.verdict === 'approved');
  const forecast = approved.reduce((sum, a) => sum + a.forecastSek, 0);
  $('summary').innerHTML =
    `<span><strong>${found.length}</strong> ${esc(t('activitiesWord'))}</span>` +
    `<span class="ok">${thumb(true)} <strong>${approved.length}</strong> ${esc(t('approvedCount'))}</span>` +
    `<span class="bad">${thumb(false)} <strong>${found.length - approved.length}</strong> ${esc(t('rejectedCount'))}</span>` +
    `<span>${esc(t('participations'))}: <strong>${approved.reduce((s, a) => s + a.counted, 0)}</strong></span>` +
    `<span>${esc(t('forecast'))}: <strong>${esc(money(forecast))}</strong></span>`;
  const page = found.slice(0, state.shown);
  $('list').innerHTML = page.length === 0 ? `<li class="empty">${esc(t('none'))}</li>` : page.map(rowHtml).join('');
  $('more').hidden = found.length <= state.shown;
}

function rowHtml(a) {
  const ok = a.verdict === 'approved';
  const why = ok ? a.warnings : a.reasons;
  return (
    `<li class="${ok ? 'approved' : 'rejected'}"><a class="row" href="#a/${encodeURIComponent(a.vendor)}/${encodeURIComponent(a.id)}" data-id="${esc(a.id)}">` +
    `<span class="thumb">${thumb(ok)}</span>` +
    `<span class="what"><span class="visually-hidden">${esc(ok ? t('approvedOne') : t('rejectedOne'))}: </span>${esc(a.date ?? '–')} ${esc(a.start ?? '')}–${esc(a.end ?? '')} · ${esc(a.sport ?? '–')}</span>` +
    `<span class="count">${a.counted} ${esc(t('counted'))}</span>` +
    `<span class="meta">${esc(t('types')[a.type] ?? a.type)} · ${esc(a.id)} · ${esc(a.vendor)}</span>` +
    (why.length ? `<span class="why">${why.map(esc).join(', ')}</span>` : '') +
    '</a></li>'
  );
}

// --- one activity -----------------------------------------------------------------------------------------------

function reasonsHtml(list, kind = '') {
  if (list.length === 0) return '';
  return `<ul class="reasons">${list
    .map(
      (r) =>
        `<li class="reason ${kind}"><strong>${esc(reasonText(r))}</strong> <code>${esc(r.code)}</code>` +
        (r.fix ? `<span class="fix">${esc(t('fix'))}: ${esc(r.fix)}</span>` : '') +
        '</li>',
    )
    .join('')}</ul>`;
}

async function showActivity(vendor, id) {
  $('activities-view').hidden = true;
  $('application-view').hidden = true;
  $('detail-view').hidden = false;
  $('detail').innerHTML = `<p>${esc(t('loading'))}</p>`;
  const a = await api(
    `/clubs/${encodeURIComponent(state.club)}/activities/${encodeURIComponent(vendor)}/${encodeURIComponent(id)}`,
  );
  const badge =
    a.verdict === 'approved'
      ? `<span class="badge ok">${thumb(true)} ${esc(t('approvedOne'))}</span>`
      : a.verdict === 'rejected'
        ? `<span class="badge bad">${thumb(false)} ${esc(t('rejectedOne'))}</span>`
        : `<span class="badge warn">${esc(t('pending'))}</span>`;
  const person = (p, ok, yes, no) =>
    `<li><strong>${esc(p.name)}</strong>${p.born ? ` (${esc(t('born'))} ${esc(p.born)})` : ''} · ${esc(p.ref)} · ` +
    `<span class="badge ${ok ? 'ok' : 'bad'}">${esc(ok ? yes : no)}</span>${reasonsHtml(p.reasons)}</li>`;
  $('detail').innerHTML =
    `<h2 id="detail-h" tabindex="-1">${esc(a.id)} ${badge}</h2>` +
    `<dl class="facts"><dt>${esc(t('date'))}</dt><dd>${esc(a.date ?? '–')}</dd><dt>${esc(t('time'))}</dt><dd>${esc(a.start ?? '?')}–${esc(a.end ?? '?')}</dd>` +
    `<dt>${esc(t('sport'))}</dt><dd>${esc(a.sport ?? '–')}</dd><dt>${esc(t('type'))}</dt><dd>${esc(t('types')[a.type] ?? a.type)}</dd>` +
    `<dt>${esc(t('group'))}</dt><dd>${esc(a.group ?? '–')}</dd><dt>${esc(t('place'))}</dt><dd>${esc(a.place ?? '–')}</dd>` +
    `<dt>${esc(t('source'))}</dt><dd>${esc(a.vendor)}</dd><dt>${esc(t('received'))}</dt><dd>${esc(a.receivedOn)}</dd>` +
    `<dt>${esc(t('countedLabel'))}</dt><dd>${a.counted}</dd>` +
    (a.payment ? `<dt>${esc(t('forecast'))}</dt><dd>${esc(money(a.payment.amountSek))}</dd>` : '') +
    '</dl>' +
    `<h3>${esc(t('reasons'))}</h3>${a.reasons.length ? reasonsHtml(a.reasons) : `<p>${esc(t('noReasons'))}</p>`}` +
    (a.warnings.length ? `<h3>${esc(t('warnings'))}</h3>${reasonsHtml(a.warnings, 'warning')}` : '') +
    (a.payment?.codes.length ? `<h3>${esc(t('payment'))}</h3>${reasonsHtml(a.payment.codes, 'payment')}` : '') +
    `<h3>${esc(t('leaders'))}</h3>${a.leaders.length === 0 ? `<p>${esc(t('nobody'))}</p>` : `<ul class="people">${a.leaders.map((l) => person(l, l.valid, t('valid'), t('notValid'))).join('')}</ul>`}` +
    `<h3>${esc(t('participants'))}</h3><ul class="people">${a.participants.map((p) => person(p, p.counted, t('isCounted'), t('notCounted'))).join('')}` +
    a.anonymous
      .map(
        (g) =>
          `<li><strong>${esc(t('anonymous'))}</strong> ${g.count} × ${esc(g.gender)} ${g.birthYear} · <span class="badge ${g.counted ? 'ok' : 'bad'}">${esc(g.counted ? t('isCounted') : t('notCounted'))}</span>${reasonsHtml(g.reasons)}</li>`,
      )
      .join('') +
    '</ul>';
  $('detail-h').focus();
}

// --- the application --------------------------------------------------------------------------------------------

function totalsHtml(totals) {
  const rows = [
    [t('approvedActivities'), totals.approvedActivities],
    [t('participations'), totals.participations],
    [t('paidFull'), totals.paidParticipants],
    [t('paidReduced'), totals.reducedParticipants],
    [t('unpaid'), totals.unpaidParticipants],
    [t('extraLeader'), totals.extraLeaderSupportActivities],
    [t('forecast'), money(totals.forecastSek)],
  ];
  const breakdown = (title, map) =>
    Object.keys(map).length === 0
      ? ''
      : `<table><caption class="visually-hidden">${esc(title)}</caption><thead><tr><th scope="col">${esc(title)}</th>` +
        `<th scope="col" class="num">${esc(t('approvedActivities'))}</th><th scope="col" class="num">${esc(t('participations'))}</th><th scope="col" class="num">${esc(t('forecast'))}</th></tr></thead><tbody>` +
        Object.entries(map)
          .map(
            ([k, b]) =>
              `<tr><th scope="row">${esc(k)}</th><td class="num">${b.approvedActivities}</td><td class="num">${b.participations}</td><td class="num">${esc(money(b.forecastSek))}</td></tr>`,
          )
          .join('') +
        '</tbody></table>';
  return (
    `<table><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td class="num">${esc(v)}</td></tr>`).join('')}</tbody></table>` +
    breakdown(t('perSport'), totals.bySport) +
    breakdown(t('perSource'), totals.byVendor)
  );
}

function partHtml(part) {
  const sent = part.submitted
    ? `<p><span class="badge ok">${esc(t('sent'))}</span> ${esc(part.submitted.submittedAt.replace('T', ' ').slice(0, 16))} ${esc(t('by'))} ${esc(part.submitted.by)}</p>`
    : `<p><span class="badge warn">${esc(t('notSent'))}</span></p>`;
  const button = part.submitted
    ? ''
    : `<div class="actions"><button type="button" class="primary" data-submit="${part.kind}" ${part.canSubmit ? '' : 'disabled aria-describedby="cannot-' + part.kind + '"'}>${esc(t('submit'))}: ${esc(t(part.kind))}</button>` +
      (part.canSubmit ? '' : `<span id="cannot-${part.kind}">${esc(t('cannotSubmit'))}</span>`) +
      '</div><div class="confirm-slot"></div>';
  return `<section class="part" aria-labelledby="part-${part.kind}"><h3 id="part-${part.kind}">${esc(t(part.kind))}</h3>${sent}${totalsHtml(part.totals)}${button}</section>`;
}

function showApplication() {
  const a = state.application;
  $('application-body').innerHTML =
    `<h2>${esc(t('application'))} ${esc(periodName(a.period))}</h2>` +
    `<dl class="facts"><dt>${esc(t('deadline'))}</dt><dd>${esc(a.deadline)}</dd><dt>${esc(t('closes'))}</dt><dd>${esc(a.finalDate)}</dd></dl>` +
    partHtml(a.main) +
    partHtml(a.supplementary) +
    `<div class="actions"><button type="button" data-export="csv">${esc(t('exportCsv'))}</button><button type="button" data-export="json">${esc(t('exportJson'))}</button></div>`;
}

function askToSubmit(button) {
  const slot = button.closest('.part').querySelector('.confirm-slot');
  const requestId = crypto.randomUUID();
  slot.innerHTML =
    `<div class="confirm" role="alertdialog" aria-labelledby="confirm-text"><p id="confirm-text">${esc(t('confirmText'))}</p>` +
    `<div class="actions"><button type="button" class="primary" data-confirm="${button.dataset.submit}" data-request="${requestId}">${esc(t('confirm'))}</button>` +
    `<button type="button" data-cancel>${esc(t('cancel'))}</button></div></div>`;
  slot.querySelector('[data-confirm]').focus();
}

async function submit(kind, requestId) {
  const body = JSON.stringify({ period: state.period, kind, requestId });
  const path = `/clubs/${encodeURIComponent(state.club)}/application/submit`;
  // A lost answer is asked again with the same request id: the server answers it the same, sending nothing twice.
  try {
    await api(path, { method: 'POST', body });
  } catch (error) {
    if (error instanceof ApiError) throw error;
    await api(path, { method: 'POST', body });
  }
  state.application = await api(
    `/clubs/${encodeURIComponent(state.club)}/application?period=${encodeURIComponent(state.period)}`,
  );
  showApplication();
  say(t('submitted'));
}

async function download(format) {
  const text = await api(
    `/clubs/${encodeURIComponent(state.club)}/application/export?period=${encodeURIComponent(state.period)}&format=${format}`,
  );
  const blob = new Blob([typeof text === 'string' ? text : JSON.stringify(text, null, 2)], {
    type: format === 'csv' ? 'text/csv' : 'application/json',
  });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `lok-${state.club}-${state.period}.${format}`;
  link.click();
  URL.revokeObjectURL(link.href);
}

// --- views and events -------------------------------------------------------------------------------------------

function selectTab(tab) {
  state.tab = tab;
  for (const name of ['activities', 'application']) {
    const button = $(`tab-${name}`);
    button.setAttribute('aria-selected', String(name === tab));
    button.tabIndex = name === tab ? 0 : -1;
  }
}

async function route() {
  if (!state.club) return;
  const hash = location.hash.slice(1);
  const activity = /^a\/([^/]+)\/(.+)$/.exec(hash);
  if (activity) return showActivity(decodeURIComponent(activity[1]), decodeURIComponent(activity[2]));
  $('detail-view').hidden = true;
  const tab = hash === 'application' ? 'application' : 'activities';
  selectTab(tab);
  $('activities-view').hidden = tab !== 'activities';
  $('application-view').hidden = tab !== 'application';
  if (tab === 'application') showApplication();
  else renderList();
}

function guarded(work) {
  return (...args) =>
    Promise.resolve()
      .then(() => work(...args))
      .catch(fail);
}

function wire() {
  $('lang').addEventListener(
    'click',
    guarded(() => {
      state.lang = state.lang === 'sv' ? 'en' : 'sv';
      localStorage.setItem('lok-lang', state.lang);
      translate();
      if (!$('app').hidden) return route();
      return showSignIn();
    }),
  );
  $('signout').addEventListener('click', signOut);
  $('users').addEventListener(
    'click',
    guarded((event) => {
      const button = event.target.closest('[data-user]');
      if (button) return signInAs(button.dataset.user);
    }),
  );
  $('club').addEventListener(
    'change',
    guarded(() => chooseClub($('club').value)),
  );
  $('club-id').addEventListener(
    'change',
    guarded(() => chooseClub($('club-id').value.trim())),
  );
  $('period').addEventListener(
    'change',
    guarded(() => {
      state.period = $('period').value;
      return loadPeriod();
    }),
  );
  for (const id of ['verdict', 'vendor'])
    $(id).addEventListener('change', () => {
      state.shown = PAGE;
      renderList();
    });
  $('q').addEventListener('input', () => {
    state.shown = PAGE;
    renderList();
  });
  $('filters').addEventListener('submit', (event) => event.preventDefault());
  $('more').addEventListener('click', () => {
    state.shown += PAGE;
    renderList();
  });
  $('back').addEventListener('click', () => {
    history.back();
  });
  $('tab-activities').addEventListener('click', () => {
    location.hash = '';
  });
  $('tab-application').addEventListener('click', () => {
    location.hash = 'application';
  });
  document.querySelector('.tabs').addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    const next = state.tab === 'activities' ? 'application' : 'activities';
    location.hash = next === 'application' ? 'application' : '';
    $(`tab-${next}`).focus();
  });
  $('application-body').addEventListener(
    'click',
    guarded(async (event) => {
      const target = event.target.closest('button');
      if (!target) return;
      if (target.dataset.submit) return askToSubmit(target);
      if (target.dataset.cancel !== undefined) {
        target.closest('.confirm-slot').innerHTML = '';
        return;
      }
      if (target.dataset.confirm) {
        target.disabled = true;
        return submit(target.dataset.confirm, target.dataset.request);
      }
      if (target.dataset.export) return download(target.dataset.export);
    }),
  );
  window.addEventListener('hashchange', guarded(route));
}

async function main() {
  translate();
  wire();
  state.config = await (await fetch('config.json')).json();
  if (state.config.auth === 'cognito') await cognitoReturn();
  await start();
}

void main().catch(fail);
