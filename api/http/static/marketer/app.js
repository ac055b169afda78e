// The marketer's page: brand-fit rules, previews, benefits and campaigns, over the /v1 API.
// Every value from the server is shown with textContent, never parsed as HTML.
"use strict";

const KEY = "loyalty.marketer.key";
const AUTHOR = "loyalty.marketer.author";
const CHANNEL_NAMES = { web: "web shop", store: "store" };
const $ = (id) => document.getElementById(id);

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `the server answered ${status}`);
    this.status = status;
    this.problems = body && body.errors ? flatten(body.errors) : [];
  }
}

// One call to the API with the key of this tab; the parsed JSON, or ApiError.
async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(KEY)}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// Every problem the API names, with its place: {"json": {"0": {"products": {"colour":
// ["unknown field"]}}}} becomes "item 1, products.colour: unknown field".
function flatten(errors, path = []) {
  if (Array.isArray(errors) && errors.every((e) => typeof e === "string")) {
    return errors.map((message) => `${describe(path)}: ${message}`);
  }
  if (errors && typeof errors === "object") {
    return Object.entries(errors).flatMap(([key, value]) => flatten(value, [...path, key]));
  }
  return [`${describe(path)}: ${errors}`];
}

function describe(path) {
  const parts = (path[0] === "json" ? path.slice(1) : path).filter((p) => p !== "_schema");
  if (!parts.length) return "request";
  const [first, ...rest] = parts;
  const head = /^\d+$/.test(first) ? `item ${Number(first) + 1}` : first;
  return rest.length ? `${head}, ${rest.join(".")}` : head;
}

// Run an action; show what went wrong under the form, and say when the key is not accepted.
async function attempt(problemsId, action) {
  const box = $(problemsId);
  box.replaceChildren();
  try {
    await action();
  } catch (error) {
    if (error.status === 401) return signOut("The key was not accepted: sign in again.");
    // A 422 names each problem; its message is only the status's general words.
    const lines = error.problems && error.problems.length ? error.problems : [error.message];
    const list = element("ul");
    lines.forEach((line) => list.append(element("li", line)));
    box.append(list);
  }
}

function say(message) {
  $("status").textContent = message;
}

function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  Object.entries(attributes).forEach(([name, value]) => node.setAttribute(name, value));
  return node;
}

function button(label, onClick, description) {
  const node = element("button", label, { type: "button" });
  if (description) node.setAttribute("aria-label", description);
  node.addEventListener("click", onClick);
  return node;
}

function row(cells) {
  const tr = element("tr");
  cells.forEach((cell) => {
    const td = element("td");
    const parts = Array.isArray(cell) ? cell : [cell];
    td.append(...parts.map((part) => (part instanceof Node ? part : String(part ?? ""))));
    tr.append(td);
  });
  return tr;
}

// Put rows in a table body, or one row saying ``empty`` across every column.
function fill(tbodyId, rows, empty) {
  const body = $(tbodyId);
  if (rows.length) return body.replaceChildren(...rows);
  const columns = body.closest("table").querySelectorAll("thead th").length;
  const only = element("tr");
  only.append(element("td", empty, { colspan: columns }));
  body.replaceChildren(only);
}

function readJson(textareaId) {
  try {
    return JSON.parse($(textareaId).value);
  } catch (error) {
    throw new Error(`This is not valid JSON: ${error.message}`);
  }
}

const asList = (value) => (Array.isArray(value) ? value : [value]);

// ---- signing in -------------------------------------------------------------------------

async function signIn(event) {
  event.preventDefault();
  sessionStorage.setItem(KEY, $("key").value.trim());
  await attempt("key-problems", async () => {
    try {
      await api("GET", "/v1/rules/drafts"); // any marketer call tells whether the key is one
    } catch (error) {
      sessionStorage.removeItem(KEY);
      throw error;
    }
    $("key").value = "";
    show(true);
    say("Signed in.");
  });
  if (sessionStorage.getItem(KEY)) await loadAll();
}

function loadAll() {
  const everything = () => Promise.all([loadRules(), loadBenefits(), loadCampaigns()]);
  return attempt("rule-problems", everything);
}

function signOut(message) {
  sessionStorage.removeItem(KEY);
  show(false);
  say(message || "Signed out.");
}

function show(signedIn) {
  $("sign-in").hidden = signedIn;
  $("work").hidden = !signedIn;
  $("menu").hidden = !signedIn;
  if (!signedIn) $("key").focus();
}

// ---- rules ------------------------------------------------------------------------------

async function loadRules() {
  const [drafts, history] = await Promise.all([
    api("GET", "/v1/rules/drafts"),
    api("GET", "/v1/rules/history"),
  ]);
  fill(
    "drafts",
    drafts.map(({ status, rule }) =>
      row([
        status,
        rule.priority,
        rule.effect,
        [element("strong", rule.name), element("br"), element("code", rule.id)],
        [
          button("Edit", () => edit(rule), `Edit rule ${rule.name}`),
          status === "removed"
            ? ""
            : button("Delete", () => deleteDraft(rule), `Delete draft ${rule.name}`),
        ],
      ]),
    ),
    "No draft rules yet: write one below.",
  );
  fill(
    "history",
    history.map((set) => {
      const label = `Roll back to rule set ${set.version}`;
      return row([
        set.current ? `${set.version} (current)` : set.version,
        new Date(set.published_at).toLocaleString(),
        set.author,
        set.rules,
        set.rolled_back_from ? `${set.note} (rule set ${set.rolled_back_from} again)` : set.note,
        set.current ? "" : button("Roll back", () => rollback(set.version), label),
      ]);
    }),
    "Nothing published yet.",
  );
}

function edit(rule) {
  $("rule-json").value = JSON.stringify(rule, null, 2);
  $("rule-json").focus();
}

async function saveRules(event) {
  event.preventDefault();
  const action = event.submitter ? event.submitter.value : "validate";
  await attempt("rule-problems", async () => {
    const rules = asList(readJson("rule-json"));
    if (action === "save") {
      const saved = await api("POST", "/v1/rules/drafts", rules);
      const done = Object.entries(saved.drafts).map(([id, what]) => `${id} ${what}`);
      say(`Drafts: ${done.join(", ")}. Publish them to reach members.`);
      await loadRules();
    } else {
      const checked = await api("POST", "/v1/rules/validate", rules);
      say(`Valid: ${checked.map(({ rule }) => rule.id).join(", ")}.`);
    }
  });
}

async function deleteDraft(rule) {
  if (!confirm(`Delete the draft "${rule.name}"? It leaves the rules with the next publish.`)) {
    return;
  }
  await attempt("rule-problems", async () => {
    await api("DELETE", `/v1/rules/drafts/${encodeURIComponent(rule.id)}`);
    say(`Deleted draft ${rule.id}.`);
    await loadRules();
  });
}

async function publish(event) {
  event.preventDefault();
  await attempt("publish-problems", async () => {
    const author = rememberAuthor();
    const note = $("publish-note").value;
    const { version } = await api("POST", "/v1/rules/publish", { note, author });
    $("publish-note").value = "";
    say(`Published rule set ${version}: members get it now.`);
    await loadRules();
  });
}

async function rollback(version) {
  if (!confirm(`Publish the rules of rule set ${version} again, as a new rule set?`)) return;
  await attempt("publish-problems", async () => {
    const author = rememberAuthor();
    const note = $("publish-note").value;
    const result = await api("POST", "/v1/rules/rollback", { version, author, note });
    say(`Published rule set ${result.version} with the rules of rule set ${version}.`);
    await loadRules();
  });
}

function rememberAuthor() {
  const author = $("publish-author").value.trim();
  if (!author) throw new Error("Your name: say who publishes.");
  sessionStorage.setItem(AUTHOR, author);
  return author;
}

// ---- previews ---------------------------------------------------------------------------

// The saved drafts, or (when asked) the saved drafts with the editor's rules added to them,
// an editor rule replacing the draft with its id: a rule can be tried before it is saved.
async function draftRules(checkboxId, body) {
  if (!$(checkboxId).checked) return body;
  const written = asList(readJson("rule-json"));
  const ids = new Set(written.map((rule) => rule.id).filter(Boolean));
  const drafts = await api("GET", "/v1/rules/drafts");
  const kept = drafts
    .filter(({ status, rule }) => status !== "removed" && !ids.has(rule.id))
    .map(({ rule }) => rule);
  return { ...body, rules: [...kept, ...written] };
}

async function preview(event) {
  event.preventDefault();
  await attempt("preview-problems", async () => {
    const body = await draftRules("preview-editor", {
      member_id: $("preview-member").value.trim(),
      channel: $("preview-channel").value,
      n: Number($("preview-n").value),
    });
    showPreview(await api("POST", "/v1/rules/preview", body));
  });
}

function showPreview(report) {
  const version = report.published_rule_set ?? "none";
  const side = (title, items) => {
    const box = element("div");
    const list = element("ol");
    items.forEach((item) => list.append(element("li", `${item.product_id}: ${item.reason}`)));
    box.append(element("h4", title), items.length ? list : element("p", "No products."));
    return box;
  };
  const columns = element("div", null, { class: "side-by-side" });
  columns.append(
    side(`Published (rule set ${version})`, report.published),
    side("With the drafts", report.draft),
  );
  const changes = element("ul");
  report.changes.forEach((c) => {
    const rule = c.rule_id ? ` by rule ${c.rule_id}` : "";
    const ranks = `rank ${c.published_rank ?? "-"} → ${c.draft_rank ?? "-"}`;
    const change = c.change.replace("_", " ");
    changes.append(element("li", `${c.product_id}: ${change}${rule} (${ranks})`));
  });
  const result = $("preview-result");
  result.replaceChildren(
    element("h3", `Member ${report.member_id}, ${CHANNEL_NAMES[report.channel]}`),
    columns,
    element("h4", "What the drafts change"),
    report.changes.length ? changes : element("p", "The drafts change nothing for this member."),
  );
}

async function impact(event) {
  event.preventDefault();
  await attempt("impact-problems", async () => {
    const body = await draftRules("impact-editor", {
      sample: Number($("impact-sample").value),
      channel: $("impact-channel").value,
      n: Number($("impact-n").value),
    });
    const report = await api("POST", "/v1/rules/impact", body);
    const percent = (share) => `${(share * 100).toFixed(1)} %`;
    const facts = [
      ["Members compared", report.members],
      ["Selections changed", percent(report.changed_share)],
      ["Catalogue shown, published", percent(report.coverage_published)],
      ["Catalogue shown, with the drafts", percent(report.coverage_draft)],
      [`Members with fewer than ${report.n} products, published`, report.short_published],
      [`Members with fewer than ${report.n} products, with the drafts`, report.short_draft],
      ...Object.entries(report.removed_by_rule).map(([id, n]) => [`Removed by rule ${id}`, n]),
    ];
    const list = element("dl");
    facts.forEach(([term, value]) => list.append(element("dt", term), element("dd", value)));
    $("impact-result").replaceChildren(list);
  });
}

// ---- benefits ---------------------------------------------------------------------------

async function loadBenefits() {
  const benefits = await api("GET", "/v1/benefits");
  fill(
    "benefit-list",
    benefits.map((b) =>
      row([
        [element("strong", b.name), element("br"), element("code", b.id)],
        b.type,
        b.value ?? "",
        b.stages.join(", "),
        b.enabled ? "yes" : "no",
        button("Delete", () => deleteBenefit(b), `Delete benefit ${b.name}`),
      ]),
    ),
    "No benefits yet: add one below.",
  );
}

async function saveBenefits(event) {
  event.preventDefault();
  await attempt("benefit-problems", async () => {
    const saved = await api("POST", "/v1/benefits", asList(readJson("benefit-json")));
    say(`Saved benefits: ${Object.keys(saved.benefits).join(", ")}.`);
    await loadBenefits();
  });
}

async function deleteBenefit(benefit) {
  if (!confirm(`Delete the benefit "${benefit.name}"? Offers already made with it stay.`)) return;
  await attempt("benefit-problems", async () => {
    await api("DELETE", `/v1/benefits/${encodeURIComponent(benefit.id)}`);
    say(`Deleted benefit ${benefit.id}.`);
    await loadBenefits();
  });
}

// ---- campaigns --------------------------------------------------------------------------

async function loadCampaigns() {
  const campaigns = await api("GET", "/v1/campaigns");
  fill(
    "campaign-list",
    campaigns.map((c) =>
      row([
        c.name,
        `${c.valid_from} to ${c.valid_until}`,
        c.budget,
        c.offers_per_member,
        `${(c.holdout * 100).toFixed(1)} %`,
        c.current_run ?? "none yet",
        button("Report", () => report(c.name), `Report of campaign ${c.name}`),
      ]),
    ),
    "No campaigns yet: create one below.",
  );
}

async function createCampaign(event) {
  event.preventDefault();
  await attempt("campaign-problems", async () => {
    const floor = $("campaign-floor").value;
    const created = await api("POST", "/v1/campaigns", {
      name: $("campaign-name").value.trim(),
      budget: Number($("campaign-budget").value),
      offers_per_member: Number($("campaign-offers").value),
      valid_from: $("campaign-from").value,
      valid_until: $("campaign-until").value,
      holdout: Number($("campaign-holdout").value || 0),
      margin_floor: floor === "" ? null : Number(floor),
    });
    event.target.reset();
    say(`Created campaign ${created.name}; its offers are made by the next run.`);
    await loadCampaigns();
  });
}

async function report(name) {
  await attempt("campaign-problems", async () => {
    const r = await api("GET", `/v1/campaigns/${encodeURIComponent(name)}/report`);
    const share = (value) => (value == null ? "-" : `${(value * 100).toFixed(1)} %`);
    const facts = [
      ["Valid", `${r.valid_from} to ${r.valid_until}`],
      ["Current run", r.current_run ?? "none yet"],
      ["Offers issued", r.issued],
      ["Members reached", r.members_reached],
      ["Face value issued", r.face_value_issued],
      ["Redeemed", `${r.redeemed} (${share(r.redemption_rate)})`],
      ["Spend", `${r.spend} of ${r.budget} (${share(r.spend_share_of_budget)})`],
    ];
    if (r.purchases) {
      facts.push(
        ["Purchases counted", r.purchases.window ?? "not yet"],
        ["Offered products bought by receivers", share(r.purchases.receivers_rate)],
        ["Offered products bought by the holdout", share(r.purchases.holdout_rate)],
        ["Uplift over the holdout", r.purchases.uplift ?? "-"],
      );
    }
    const list = element("dl");
    facts.forEach(([term, value]) => list.append(element("dt", term), element("dd", value)));
    const box = $("report");
    box.replaceChildren(element("h3", `Report: ${r.campaign}`), list);
    box.focus();
  });
}

// ---- start ------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("key-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", () => signOut());
  $("rule-form").addEventListener("submit", saveRules);
  $("publish-form").addEventListener("submit", publish);
  $("preview-form").addEventListener("submit", preview);
  $("impact-form").addEventListener("submit", impact);
  $("benefit-form").addEventListener("submit", saveBenefits);
  $("campaign-form").addEventListener("submit", createCampaign);
  $("publish-author").value = sessionStorage.getItem(AUTHOR) || "";
  const signedIn = Boolean(sessionStorage.getItem(KEY));
  show(signedIn);
  if (signedIn) loadAll();
});
