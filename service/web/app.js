// Humus web page: plain JavaScript, no build step. Every piece of document text goes into the page through
// textContent (or the escaping Markdown renderer below), never as HTML.
"use strict";

const I18N = {
  en: {
    tagline: 'Soil-carbon practices and evidence for the "4 per 1000" community', language: "Language",
    tab_search: "Search", tab_ask: "Ask a question", tab_place: "My conditions", tab_gaps: "Research gaps",
    tab_practices: "Practices", search_placeholder: "e.g. what raises soil carbon on sandy soil?",
    group_zone: "Group by zone", search: "Search", ask: "Ask", new_chat: "New conversation",
    ask_placeholder: "e.g. How much carbon does green manure add to the soil?", climate: "Climate",
    mat: "Mean annual temperature (°C)", map: "Annual rainfall (mm)", pet: "Potential evapotranspiration (mm)",
    elevation: "Elevation (m)", soil: "Soil", soil_name: "Soil type (WRB, USDA or class)", sand: "Sand (%)",
    clay: "Clay (%)", or_place: "Or a place", lat: "Latitude", lon: "Longitude", goal: "What do you want to achieve?",
    goal_placeholder: "more soil organic carbon", find_practices: "Find practices for my conditions",
    gaps_by: "Columns", climate_zone: "IPCC climate zone", soil_class: "IPCC soil class", land_use: "Land use",
    top_gaps: "Plausible gaps, most urgent first", close: "Close", gaps_alt: "Evidence per practice category and zone",
    footer: "Open-source knowledge base · sources are cited with every answer",
    results: (n, t) => `${n} of ${t} documents`, none: "Nothing found.", searching: "Searching…",
    thinking: "Looking for sources…", page: "p.", source_in: "source in", your_zone: "Your zone",
    closest: "The nearest passages, which may not answer the question:",
    your_soil: "Your soil", undecided: "undecided:", give: "give", not_recommended: "Not recommended here",
    facet: { doc_type: "Document type", language: "Language", country: "Country", climate_zone: "Climate zone",
      soil_class: "Soil class", land_use: "Land use", category: "Practice category", practice: "Practice", year: "Year",
      degradation: "Degradation type", purpose: "Main purpose", degradation_goal: "Prevent, reduce or restore",
      rainfall: "Annual rainfall", slope: "Slope", altitude: "Altitude", land_ownership: "Land ownership",
      land_rights: "Land-use rights", market: "Market orientation", establishment_cost: "Establishment cost",
      maintenance_cost: "Maintenance cost" },
    langs: { en: "English", fr: "French", es: "Spanish" }, evidence: "items", rules: "How it was decided",
    open: "Open", error: "Something went wrong:", download_csv: "Download CSV",
    gaps_rows: "Rows", by_category: "Practice category", by_practice: "Practice", outcome: "Outcome",
    world_region: "Where studied",
    cells_csv: "Cells (CSV)", sources_csv: "Sources (CSV)", picture: "Picture (PNG)", asked: "unanswered questions",
    document: "document",
    gap_class: { absolute_gap: "no evidence", conflicting: "conflicting figures", thin: "thin evidence",
      synthesis_gap: "no synthesis yet", covered: "covered by a synthesis" },
    kinds: { "meta-analysis": "meta-analyses", "systematic-review": "systematic reviews", review: "reviews",
      "field-experiment": "field experiments", "on-farm-trial": "on-farm trials", "case-study": "case studies",
      model: "model studies", guideline: "guidelines" },
    figures: "Figures and quantities", rate_unit: "t C/ha/yr", stock_unit: "t C/ha (stock difference, not per year)", years: "years", case_study: "one farm or site",
    uncertainty: { se: "standard error", sd: "standard deviation", ci95: "95% confidence interval" },
    range_of: (a, b) => `results from ${a} to ${b}`,
    how_to: { inputs: "Input", labour: "Labour", costs: "Cost", safety: "Safety" },
    match: { documented: "documented for your climate zone and soil", same_zone: "documented for your climate zone",
      same_soil: "documented for your soil class", same_temperature: "documented in a zone of the same temperature group",
      same_moisture: "documented in a zone of the same moisture regime" },
  },
  fr: {
    tagline: "Pratiques et preuves sur le carbone des sols pour la communauté « 4 pour 1000 »", language: "Langue",
    tab_search: "Rechercher", tab_ask: "Poser une question", tab_place: "Mes conditions", tab_gaps: "Lacunes de recherche",
    tab_practices: "Pratiques", search_placeholder: "ex. : qu'est-ce qui augmente le carbone d'un sol sableux ?",
    group_zone: "Grouper par zone", search: "Rechercher", ask: "Demander", new_chat: "Nouvelle conversation",
    ask_placeholder: "ex. : Combien de carbone le fumier ajoute-t-il au sol chaque année ?", climate: "Climat",
    mat: "Température moyenne annuelle (°C)", map: "Pluviométrie annuelle (mm)",
    pet: "Évapotranspiration potentielle (mm)", elevation: "Altitude (m)", soil: "Sol",
    soil_name: "Type de sol (WRB, USDA ou classe)", sand: "Sable (%)", clay: "Argile (%)", or_place: "Ou un lieu",
    lat: "Latitude", lon: "Longitude", goal: "Que voulez-vous obtenir ?", goal_placeholder: "plus de carbone organique du sol",
    find_practices: "Trouver des pratiques pour mes conditions", gaps_by: "Colonnes",
    climate_zone: "Zone climatique GIEC", soil_class: "Classe de sol GIEC", land_use: "Usage des terres",
    top_gaps: "Lacunes plausibles, les plus urgentes d'abord", close: "Fermer",
    gaps_alt: "Preuves par catégorie de pratique et par zone",
    footer: "Base de connaissances libre · chaque réponse cite ses sources",
    results: (n, t) => `${n} sur ${t} documents`, none: "Aucun résultat.", searching: "Recherche…",
    thinking: "Recherche des sources…", page: "p.", source_in: "source en", your_zone: "Votre zone",
    closest: "Les passages les plus proches, qui n'y répondent peut-être pas :",
    your_soil: "Votre sol", undecided: "indécis :", give: "indiquez", not_recommended: "Déconseillé ici",
    facet: { doc_type: "Type de document", language: "Langue", country: "Pays", climate_zone: "Zone climatique",
      soil_class: "Classe de sol", land_use: "Usage des terres", category: "Catégorie de pratique",
      practice: "Pratique", year: "Année", degradation: "Type de dégradation", purpose: "Objectif principal",
      degradation_goal: "Prévenir, réduire ou restaurer", rainfall: "Pluviométrie annuelle", slope: "Pente",
      altitude: "Altitude", land_ownership: "Propriété foncière", land_rights: "Droits d'usage des terres",
      market: "Orientation marchande", establishment_cost: "Coût de mise en place", maintenance_cost: "Coût d'entretien" },
    langs: { en: "anglais", fr: "français", es: "espagnol" }, evidence: "éléments", rules: "Comment c'est décidé",
    open: "Ouvrir", error: "Un problème est survenu :", download_csv: "Télécharger en CSV",
    gaps_rows: "Lignes", by_category: "Catégorie de pratique", by_practice: "Pratique", outcome: "Effet étudié",
    world_region: "Lieu des études",
    cells_csv: "Cellules (CSV)", sources_csv: "Sources (CSV)", picture: "Image (PNG)", asked: "questions sans réponse",
    document: "document",
    gap_class: { absolute_gap: "aucune preuve", conflicting: "chiffres contradictoires", thin: "preuves minces",
      synthesis_gap: "pas encore de synthèse", covered: "couvert par une synthèse" },
    kinds: { "meta-analysis": "méta-analyses", "systematic-review": "revues systématiques", review: "revues",
      "field-experiment": "essais en station", "on-farm-trial": "essais à la ferme", "case-study": "études de cas",
      model: "études de modélisation", guideline: "guides" },
    figures: "Chiffres et quantités", rate_unit: "t C/ha/an", stock_unit: "t C/ha (écart de stock, pas par an)", years: "ans", case_study: "une seule exploitation ou un seul site",
    uncertainty: { se: "erreur type", sd: "écart type", ci95: "intervalle de confiance à 95 %" },
    range_of: (a, b) => `résultats de ${a} à ${b}`,
    how_to: { inputs: "Intrant", labour: "Travail", costs: "Coût", safety: "Sécurité" },
    match: { documented: "documentée pour votre zone climatique et votre sol", same_zone: "documentée pour votre zone climatique",
      same_soil: "documentée pour votre classe de sol", same_temperature: "documentée dans une zone du même groupe de température",
      same_moisture: "documentée dans une zone du même régime hydrique" },
  },
  es: {
    tagline: "Prácticas y evidencia sobre el carbono del suelo para la comunidad «4 por 1000»", language: "Idioma",
    tab_search: "Buscar", tab_ask: "Hacer una pregunta", tab_place: "Mis condiciones", tab_gaps: "Vacíos de investigación",
    tab_practices: "Prácticas", search_placeholder: "p. ej.: ¿qué aumenta el carbono en un suelo arenoso?",
    group_zone: "Agrupar por zona", search: "Buscar", ask: "Preguntar", new_chat: "Nueva conversación",
    ask_placeholder: "p. ej.: ¿Cuánto carbono del suelo ganan las rotaciones con leguminosas?", climate: "Clima",
    mat: "Temperatura media anual (°C)", map: "Lluvia anual (mm)", pet: "Evapotranspiración potencial (mm)",
    elevation: "Altitud (m)", soil: "Suelo", soil_name: "Tipo de suelo (WRB, USDA o clase)", sand: "Arena (%)",
    clay: "Arcilla (%)", or_place: "O un lugar", lat: "Latitud", lon: "Longitud", goal: "¿Qué quiere lograr?",
    goal_placeholder: "más carbono orgánico del suelo", find_practices: "Buscar prácticas para mis condiciones",
    gaps_by: "Columnas", climate_zone: "Zona climática IPCC", soil_class: "Clase de suelo IPCC",
    land_use: "Uso de la tierra", top_gaps: "Vacíos plausibles, los más urgentes primero", close: "Cerrar",
    gaps_alt: "Evidencia por categoría de práctica y zona",
    footer: "Base de conocimientos abierta · cada respuesta cita sus fuentes",
    results: (n, t) => `${n} de ${t} documentos`, none: "Sin resultados.", searching: "Buscando…",
    thinking: "Buscando fuentes…", page: "p.", source_in: "fuente en", your_zone: "Su zona", your_soil: "Su suelo",
    closest: "Los pasajes más cercanos, que quizá no respondan a la pregunta:",
    undecided: "sin decidir:", give: "indique", not_recommended: "No recomendado aquí",
    facet: { doc_type: "Tipo de documento", language: "Idioma", country: "País", climate_zone: "Zona climática",
      soil_class: "Clase de suelo", land_use: "Uso de la tierra", category: "Categoría de práctica",
      practice: "Práctica", year: "Año", degradation: "Tipo de degradación", purpose: "Propósito principal",
      degradation_goal: "Prevenir, reducir o restaurar", rainfall: "Lluvia anual", slope: "Pendiente",
      altitude: "Altitud", land_ownership: "Propiedad de la tierra", land_rights: "Derechos de uso de la tierra",
      market: "Orientación al mercado", establishment_cost: "Costo de establecimiento", maintenance_cost: "Costo de mantenimiento" },
    langs: { en: "inglés", fr: "francés", es: "español" }, evidence: "elementos", rules: "Cómo se decidió",
    open: "Abrir", error: "Algo salió mal:", download_csv: "Descargar CSV",
    gaps_rows: "Filas", by_category: "Categoría de práctica", by_practice: "Práctica", outcome: "Efecto estudiado",
    world_region: "Dónde se estudió",
    cells_csv: "Celdas (CSV)", sources_csv: "Fuentes (CSV)", picture: "Imagen (PNG)", asked: "preguntas sin respuesta",
    document: "documento",
    gap_class: { absolute_gap: "sin evidencia", conflicting: "cifras contradictorias", thin: "evidencia escasa",
      synthesis_gap: "aún sin síntesis", covered: "cubierto por una síntesis" },
    kinds: { "meta-analysis": "metaanálisis", "systematic-review": "revisiones sistemáticas", review: "revisiones",
      "field-experiment": "ensayos en estación", "on-farm-trial": "ensayos en finca", "case-study": "estudios de caso",
      model: "estudios de modelización", guideline: "guías" },
    figures: "Cifras y cantidades", rate_unit: "t C/ha/año", stock_unit: "t C/ha (diferencia de existencias, no por año)", years: "años", case_study: "una sola finca o sitio",
    uncertainty: { se: "error estándar", sd: "desviación estándar", ci95: "intervalo de confianza del 95 %" },
    range_of: (a, b) => `resultados de ${a} a ${b}`,
    how_to: { inputs: "Insumo", labour: "Mano de obra", costs: "Costo", safety: "Seguridad" },
    match: { documented: "documentada para su zona climática y su suelo", same_zone: "documentada para su zona climática",
      same_soil: "documentada para su clase de suelo", same_temperature: "documentada en una zona del mismo grupo de temperatura",
      same_moisture: "documentada en una zona del mismo régimen de humedad" },
  },
};

// The language chosen on the page before, else the browser's first of English, French and Spanish, else English.
function startLanguage() {
  const chosen = localStorage.getItem("humus-lang");
  if (chosen in I18N) return chosen;
  const tags = navigator.languages || [navigator.language || ""];
  return tags.map((tag) => String(tag).slice(0, 2).toLowerCase()).find((code) => code in I18N) || "en";
}

const state = { lang: startLanguage(), filters: {}, session: null, zones: null };
const $ = (sel) => document.querySelector(sel);
const t = (key) => I18N[state.lang][key] ?? I18N.en[key];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined) node.setAttribute(k, v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
  return body;
}

// --- language -------------------------------------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = state.lang;
  $("#ui-lang").value = state.lang;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of document.querySelectorAll("[data-i18n-alt]")) node.alt = t(node.dataset.i18nAlt);
  loadGaps();
  loadPractices();
}

function zoneName(id) {
  const all = state.zones ? [...state.zones.climate_zones, ...state.zones.soil_classes, ...state.zones.wocat_zones] : [];
  const found = all.find((z) => z.id === id);
  return found ? found.names[state.lang] || found.names.en : id;
}

// --- search ---------------------------------------------------------------------------------------

function facetLabel(name, value) {
  if (["climate_zone", "soil_class"].includes(name)) return zoneName(value);
  // WOCAT's own fields (ingest/formats/wocat.py): classes with their units, answers as [en, fr, es]
  const units = { rainfall: "mm", altitude: { fr: "m", es: "m s. n. m." }[state.lang] || "m a.s.l.",
    establishment_cost: "USD", maintenance_cost: "USD" };
  if (units[name]) {
    const range = value.replace(/\d+/g, (n) => Number(n).toLocaleString(state.lang)).replace("-", "–").replace(/^([<>])/, "$1 ");
    return `${range} ${units[name]}`;
  }
  const wocat = {
    erosion_water: ["Soil erosion by water", "Érosion hydrique", "Erosión hídrica"],
    erosion_wind: ["Soil erosion by wind", "Érosion éolienne", "Erosión eólica"],
    chemical: ["Chemical soil deterioration", "Dégradation chimique du sol", "Deterioro químico del suelo"],
    physical: ["Physical soil deterioration", "Dégradation physique du sol", "Deterioro físico del suelo"],
    biological: ["Biological degradation", "Dégradation biologique", "Degradación biológica"],
    water: ["Water degradation", "Dégradation de l'eau", "Degradación del agua"],
    other: ["Other", "Autre", "Otro"],
    production: ["Improve production", "Améliorer la production", "Mejorar la producción"],
    degradation: ["Reduce, prevent, restore land degradation", "Réduire, prévenir, restaurer la dégradation des terres",
      "Reducir, prevenir, restaurar la degradación de la tierra"],
    ecosystem: ["Conserve the ecosystem", "Conserver l'écosystème", "Conservar el ecosistema"],
    watershed: ["Protect a watershed / downstream areas", "Protéger un bassin versant / l'aval", "Proteger una cuenca / aguas abajo"],
    biodiversity: ["Preserve / improve biodiversity", "Préserver / améliorer la biodiversité", "Preservar / mejorar la biodiversidad"],
    disasters: ["Reduce the risk of disasters", "Réduire le risque de catastrophes", "Reducir el riesgo de desastres"],
    adaptation: ["Adapt to climate change", "S'adapter au changement climatique", "Adaptarse al cambio climático"],
    mitigation: ["Mitigate climate change", "Atténuer le changement climatique", "Mitigar el cambio climático"],
    economic: ["Beneficial economic impact", "Impact économique favorable", "Impacto económico favorable"],
    social: ["Beneficial social impact", "Impact social favorable", "Impacto social favorable"],
    prevent: ["Prevent land degradation", "Prévenir la dégradation", "Prevenir la degradación"],
    reduce: ["Reduce land degradation", "Réduire la dégradation", "Reducir la degradación"],
    restore: ["Restore severely degraded land", "Restaurer des terres très dégradées", "Restaurar tierras muy degradadas"],
    adapt: ["Adapt to land degradation", "S'adapter à la dégradation", "Adaptarse a la degradación"],
    not_applicable: ["Not applicable", "Sans objet", "No aplica"],
    flat: ["Flat (0–2%)", "Plat (0–2 %)", "Plana (0–2 %)"], gentle: ["Gentle (3–5%)", "Douce (3–5 %)", "Suave (3–5 %)"],
    moderate: ["Moderate (6–10%)", "Modérée (6–10 %)", "Moderada (6–10 %)"],
    rolling: ["Rolling (11–15%)", "Ondulée (11–15 %)", "Ondulada (11–15 %)"],
    hilly: ["Hilly (16–30%)", "Vallonnée (16–30 %)", "Accidentada (16–30 %)"],
    steep: ["Steep (31–60%)", "Raide (31–60 %)", "Empinada (31–60 %)"],
    very_steep: ["Very steep (>60%)", "Très raide (>60 %)", "Muy empinada (>60 %)"],
    state: ["State", "État", "Estatal"], company: ["Company", "Entreprise", "Empresa"],
    communal: ["Communal", "Communal", "Comunal"], group: ["Group", "Groupe", "Grupo"],
    individual_not_titled: ["Individual, not titled", "Individuelle, sans titre", "Individual, sin título"],
    individual_titled: ["Individual, titled", "Individuelle, titrée", "Individual, con título"],
    open_access: ["Open access", "Accès libre", "Acceso abierto"], leased: ["Leased", "En location", "Arrendada"],
    individual: ["Individual", "Individuel", "Individual"],
    subsistence: ["Subsistence (self-supply)", "Subsistance (autoconsommation)", "Subsistencia (autoconsumo)"],
    mixed: ["Mixed (subsistence / commercial)", "Mixte (subsistance / commercial)", "Mixta (subsistencia / comercial)"],
    commercial: ["Commercial / market", "Commercial / marché", "Comercial / mercado"],
    sum_of_listed_inputs: ["sum of the listed inputs", "somme des intrants listés", "suma de los insumos listados"],
  };
  const fields = ["degradation", "purpose", "degradation_goal", "slope", "land_ownership", "land_rights", "market", "costs"];
  if (fields.includes(name) && wocat[value]) return wocat[value][Math.max(["en", "fr", "es"].indexOf(state.lang), 0)];
  try {
    if (name === "country") return new Intl.DisplayNames([state.lang], { type: "region" }).of(value.toUpperCase());
    if (name === "language") return new Intl.DisplayNames([state.lang], { type: "language" }).of(value);
  } catch (err) { /* an unknown code: show it as it is */ }
  const text = value.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function highlighted(text, spans) {
  const out = [];
  let last = 0;
  for (const [start, end] of spans) {
    out.push(text.slice(last, start), el("mark", {}, text.slice(start, end)));
    last = end;
  }
  out.push(text.slice(last));
  return out;
}

function hitCard(hit) {
  const where = [hit.doc_type.replace("_", " "), I18N[state.lang].langs[hit.lang] || hit.lang];
  if (hit.page) where.push(`${t("page")} ${hit.page}`);
  if (hit.section) where.push(hit.section);
  return el("article", { class: "hit" },
    el("h3", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); openHit(hit); } }, hit.title)),
    el("p", { class: "meta" }, where.join(" · ")),
    hit.match ? el("p", { class: "match" }, t("match")[hit.match] || hit.match_label) : null,
    hit.unsuited ? el("p", { class: "unsuited" }, hit.unsuited) : null,
    el("p", { class: "snippet" }, highlighted(hit.snippet, hit.highlights)),
    el("p", { class: "chips" }, hit.zone.map((z) => el("span", { class: "chip" }, zoneName(z)))));
}

function openHit(hit) {
  if (hit.practice_id) openPractice(hit.practice_id);
  else openDocument(hit.doc_id, hit.page, null);
}

function searchParams(q, extra = {}) {
  const params = new URLSearchParams({ q, k: "10", ...extra });
  for (const [key, values] of Object.entries(state.filters)) for (const v of values) params.append("filter", `${key}=${v}`);
  return params;
}

async function runSearch() {
  const q = $("#q").value.trim();
  if (!q) return;
  $("#search-status").textContent = t("searching");
  const extra = $("#group-zone").checked ? { group_by: "zone" } : {};
  try {
    const data = await api(`/api/search?${searchParams(q, extra)}`);
    $("#search-status").textContent = data.results.length ? t("results")(data.results.length, data.total) : t("none");
    const csv = $("#download-csv");  // the same search as a table, up to 50 rows
    csv.href = `/api/search?${searchParams(q, { ...extra, k: "50", format: "csv" })}`;
    csv.hidden = !data.results.length;
    const box = $("#results");
    box.replaceChildren();
    if (data.groups) {
      for (const g of data.groups) {
        const [zone, soil] = g.key.split(" × ");
        box.append(el("h3", { class: "group" }, `${zoneName(zone)} × ${zoneName(soil)} (${g.count})`), g.results.map(hitCard));
      }
    } else box.append(...data.results.map(hitCard));
    renderFacets(data.facets);
  } catch (err) {
    $("#download-csv").hidden = true;
    $("#search-status").textContent = `${t("error")} ${err.message}`;
  }
}

function renderFacets(facets) {
  const box = $("#facets");
  box.replaceChildren();
  for (const [name, counts] of Object.entries(facets)) {
    const entries = Object.entries(counts).slice(0, 8);
    if (!entries.length || name === "practice") continue;
    const list = el("ul");
    for (const [value, count] of entries) {
      const checked = (state.filters[name] || []).includes(value);
      const box = el("input", { type: "checkbox", "data-facet": name, value });
      box.checked = checked;
      box.addEventListener("change", () => {
        const current = new Set(state.filters[name] || []);
        box.checked ? current.add(value) : current.delete(value);
        state.filters[name] = [...current];
        runSearch();
      });
      const label = facetLabel(name, value);
      list.append(el("li", {}, el("label", {}, box, ` ${label} `, el("span", { class: "count" }, count))));
    }
    box.append(el("section", { class: "facet" }, el("h4", {}, t("facet")[name] || name), list));
  }
}

// --- sheets and documents -------------------------------------------------------------------------

function markdown(text) {
  // Block-level Markdown (headings, lists, paragraphs, **bold**) built as DOM nodes: text stays text.
  const out = [];
  let list = null;
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    const heading = line.match(/^(#{1,4})\s+(.*)$/);
    const item = line.match(/^\s*(?:[-*]|\d+\.)\s+(.*)$/);
    if (item) {
      if (!list) { list = el(/^\s*\d/.test(line) ? "ol" : "ul"); out.push(list); }
      list.append(el("li", {}, inline(item[1])));
      continue;
    }
    list = null;
    if (heading) out.push(el(`h${Math.min(heading[1].length + 2, 6)}`, {}, inline(heading[2])));
    else if (line.trim()) out.push(el("p", {}, inline(line)));
  }
  return out;
}

function inline(text) {
  return text.split(/(\*\*[^*]+\*\*)/).map((part) => (part.startsWith("**") && part.endsWith("**") ? el("strong", {}, part.slice(2, -2)) : part));
}

async function openPractice(id, lang = state.lang) {
  const sheet = await api(`/api/practices/${encodeURIComponent(id)}?lang=${lang}`);
  $("#viewer-title").textContent = sheet.title;
  $("#viewer-langs").replaceChildren(...sheet.languages.map((code) =>
    el("button", { class: code === sheet.lang ? "lang active" : "lang", onclick: () => openPractice(id, code) }, code.toUpperCase())));
  const zones = el("p", { class: "chips" }, sheet.climate_zones.map((z) => el("span", { class: "chip" }, zoneName(z))),
    sheet.soil_classes.map((s) => el("span", { class: "chip soil" }, zoneName(s))));
  $("#viewer-body").replaceChildren(el("p", { class: "summary" }, sheet.summary), zones, sheetFigures(sheet.metadata),
    ...markdown(sheet.body));
  if (!$("#viewer").open) $("#viewer").showModal();
}

function figureText(f, unit = "") {
  // A mean with its uncertainty ("0.32 ± 0.08 (standard error)") and a range of outcomes ("0.24–0.40"), never confused.
  const n = (x) => Number(x).toLocaleString(state.lang);
  const u = unit ? ` ${unit}` : "";
  if (f.mean === undefined || f.mean === null) return `${n(f.low)}–${n(f.high)}${u}`;
  const notes = [];
  let text = n(f.mean);
  if (f.se || f.sd) {
    const kind = f.se ? "se" : "sd";
    text += ` ± ${n(f[kind])}`;
    notes.push(t("uncertainty")[kind]);
  } else if (f.ci95) notes.push(`${t("uncertainty").ci95} ${n(f.ci95.low)}–${n(f.ci95.high)}`);
  if (f.low !== undefined && f.low !== null) notes.push(t("range_of")(n(f.low), n(f.high)));
  return text + u + (notes.length ? ` (${notes.join("; ")})` : "");
}

function sheetFigures(meta) {
  // The sheet's published figures and how-to quantities, each with the publication it comes from.
  const refs = Object.fromEntries((meta.references || []).map((r) => [r.key, r.citation.replace(/\).*$/, ")")]));
  const effects = (meta.soc_effect || []).map((e) => {
    const parts = [e.rate_t_c_ha_yr && figureText(e.rate_t_c_ha_yr, t("rate_unit")),
      e.relative_change_pct && figureText(e.relative_change_pct, "%"),
      e.stock_change_t_c_ha && figureText(e.stock_change_t_c_ha, t("stock_unit"))].filter(Boolean);
    const where = [e.depth_cm && `${e.depth_cm} cm`, e.duration_years && `${e.duration_years} ${t("years")}`,
      e.case_study && t("case_study")].filter(Boolean);
    return el("li", {}, el("strong", {}, parts.join(", ")), where.length ? ` (${where.join(", ")})` : "",
      e.context ? ` — ${e.context}` : "", el("span", { class: "ref" }, ` ${refs[e.reference] || ""}`));
  });
  const quantities = ["inputs", "labour", "costs"].flatMap((name) => (meta[name] || []).map((q) =>
    el("li", {}, `${t("how_to")[name]}: ${q.what}: `, el("strong", {}, figureText(q.amount, q.unit_text || q.unit)),
      q.when ? ` (${q.when})` : "", q.country ? ` (${q.country} ${q.year})` : "",
      el("span", { class: "ref" }, ` ${refs[q.reference] || ""}`))));
  const safety = (meta.safety || []).map((text) => el("li", { class: "safety" }, `${t("how_to").safety}: ${text}`));
  if (!effects.length && !quantities.length && !safety.length) return "";
  return el("section", { class: "figures" }, el("h4", {}, t("figures")), el("ul", {}, effects, quantities, safety));
}

async function openDocument(docId, page, quote) {
  const doc = await api(`/api/documents/${encodeURIComponent(docId)}`);
  $("#viewer-title").textContent = doc.title;
  $("#viewer-langs").replaceChildren(/^https?:\/\//i.test(doc.url || "") ? el("a", { href: doc.url, target: "_blank", rel: "noopener" }, doc.source) : el("span", {}, doc.source));
  const parts = doc.pages.map((p) => {
    const head = p.page ? `${t("page")} ${p.page}` : p.section || "";
    const node = el("section", { class: "docpart", "data-page": p.page ?? "" }, head ? el("h4", {}, head) : null);
    const text = p.text;
    const flat = text.replace(/\s+/g, " ");
    const wanted = quote ? quote.replace(/\s+/g, " ") : "";
    // the whole quote where the page has it; else its opening (the page may break it differently), which can also
    // open another sentence, so only as a fallback
    let at = wanted ? flat.indexOf(wanted) : -1;
    if (at < 0 && wanted) at = flat.indexOf(wanted.slice(0, 60));
    if (at >= 0) {
      node.append(el("p", {}, flat.slice(0, at), el("mark", { class: "quote" }, flat.slice(at, at + quote.length)), flat.slice(at + quote.length)));
    } else node.append(el("p", {}, text));
    return node;
  });
  // a WOCAT record: its questionnaire answers and costs before its text
  const meta = doc.metadata || {};
  const facts = [];
  const number = (n) => n.toLocaleString(state.lang, { maximumFractionDigits: 2 });
  for (const name of meta.format === "wocat" ? ["degradation", "purpose", "degradation_goal", "rainfall", "slope",
    "altitude", "land_ownership", "land_rights", "market"] : []) {
    const values = [(meta[name] || []).map((v) => facetLabel(name, v)).join("; ")];
    if (name === "rainfall" && typeof meta.rainfall_mm === "number") values.push(`(${number(meta.rainfall_mm)} mm)`);
    const text = values.filter(Boolean).join(" ");
    if (text) facts.push(el("li", {}, el("strong", {}, `${t("facet")[name]}: `), text));
  }
  for (const phase of meta.format === "wocat" && meta.costs ? ["establishment", "maintenance"] : []) {
    const cost = meta.costs[phase];
    if (!cost) continue;
    const text = [`${number(cost.amount)} ${cost.currency || ""}`.trim(),
      cost.currency !== "USD" && typeof cost.usd === "number" ? `(≈ ${number(cost.usd)} USD)` : null,
      meta.costs.basis ? `(${meta.costs.basis})` : null,
      cost.how === "sum of listed inputs" ? `— ${facetLabel("costs", "sum_of_listed_inputs")}` : null];
    facts.push(el("li", {}, el("strong", {}, `${t("facet")[`${phase}_cost`]}: `), text.filter(Boolean).join(" ")));
  }
  $("#viewer-body").replaceChildren(...(facts.length ? [el("ul", { class: "wocat-facts" }, facts)] : []), ...parts);
  if (!$("#viewer").open) $("#viewer").showModal();
  const target = $("#viewer-body mark.quote") || (page && $(`#viewer-body [data-page="${page}"]`));
  if (target) target.scrollIntoView({ block: "center" });
}

// --- chat -----------------------------------------------------------------------------------------

async function ask() {
  const question = $("#question").value.trim();
  if (!question) return;
  const chat = $("#chat");
  chat.append(el("p", { class: "you" }, question));
  const waiting = el("p", { class: "status" }, t("thinking"));
  chat.append(waiting);
  $("#question").value = "";
  try {
    const data = await api("/api/ask", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question, lang: state.lang, session_id: state.session }) });
    state.session = data.session_id;
    waiting.remove();
    const cites = data.citations.map((c) => citationItem(c, data.language));
    const near = (data.closest || []).map((c) => citationItem(c, data.language, true));
    const figures = [...new Set(data.citations.map((c) => c.figure).filter(Boolean))];
    chat.append(el("div", { class: data.found ? "answer" : "answer none" },
      figures.length ? el("p", { class: "figure" }, figures.join(" · ")) : null,
      el("p", {}, ...quoted(data.answer, data.citations)), cites.length ? el("ol", { class: "cites" }, cites) : null,
      near.length ? el("p", { class: "closest-lead" }, t("closest")) : null,
      near.length ? el("ol", { class: "cites closest" }, near) : null));
  } catch (err) {
    waiting.textContent = `${t("error")} ${err.message}`;
  }
}

// One source of an answer: its title (opening the document at the quote), type, file, page, language and
// reference; a passage that came nearest where nothing answers shows its own words too.
function citationItem(c, answerLang, withQuote = false) {
  return el("li", {},
    el("a", { href: "#", class: "citation", onclick: (e) => { e.preventDefault(); openDocument(c.doc_id, c.page, c.quote); } },
      `[${c.n}] ${c.title}`),
    ` — ${[c.doc_type.replace("_", " "), c.source, c.page ? `${t("page")} ${c.page}` : c.section, c.date].filter(Boolean).join(" · ")}`,
    c.lang && c.lang !== answerLang ? el("span", { class: "srclang" }, ` (${t("source_in")} ${I18N[state.lang].langs[c.lang] || c.lang})`) : null,
    withQuote ? el("blockquote", {}, c.quote) : null,
    c.reference ? el("div", { class: "ref" }, c.reference) : null);
}

// The answer's text with each quote highlighted (the quotes are the sources' own words).
function quoted(answer, citations) {
  const parts = [];
  let rest = answer;
  for (const c of citations) {
    const at = rest.indexOf(c.quote);
    if (at < 0) continue;
    parts.push(rest.slice(0, at), el("mark", { class: "quote" }, c.quote));
    rest = rest.slice(at + c.quote.length);
  }
  parts.push(rest);
  return parts;
}

// --- my conditions --------------------------------------------------------------------------------

async function findForPlace() {
  const form = new FormData($("#place-form"));
  const params = new URLSearchParams();
  for (const key of ["mat", "map", "pet", "elevation", "soil", "sand", "clay", "lat", "lon"]) {
    const value = String(form.get(key) || "").trim();
    if (value) params.set(key, value);
  }
  const zoneBox = $("#place-zone");
  try {
    const zone = await api(`/api/zones/classify?${params}`);
    const climate = zone.climate_zone ? zoneName(zone.climate_zone)
      : zone.candidates.length ? `${t("undecided")} ${zone.candidates.map(zoneName).join(" / ")} (${t("give")} ${zone.missing.join(", ")})` : "—";
    zoneBox.replaceChildren(el("div", { class: "zonecard" },
      el("p", {}, el("strong", {}, `${t("your_zone")}: `), climate),
      el("p", {}, el("strong", {}, `${t("your_soil")}: `), zone.soil_class ? zoneName(zone.soil_class) : "—"),
      el("details", {}, el("summary", {}, t("rules")), el("ul", {}, [...zone.trace, ...zone.soil_trace].map((line) => el("li", {}, line))))));
    const conditions = [];
    for (const key of ["mat", "map", "pet", "elevation", "sand", "clay"]) if (params.get(key)) conditions.push(`${key}=${params.get(key)}`);
    const extra = {};
    if (conditions.length) extra.conditions = conditions.join(",");
    if (params.get("soil")) extra.soil = params.get("soil");
    if (params.get("lat") && params.get("lon")) { extra.lat = params.get("lat"); extra.lon = params.get("lon"); }
    const goal = String(form.get("goal") || "").trim() || t("goal_placeholder");
    const data = await api(`/api/search?${new URLSearchParams({ q: goal, k: "10", filter: "doc_type=practice", ...extra })}`);
    const box = $("#place-results");
    box.replaceChildren(...data.results.map(hitCard));
    if (data.not_recommended.length) {
      box.append(el("h3", {}, t("not_recommended")), el("ul", { class: "rejected" },
        data.not_recommended.map((h) => el("li", {}, el("strong", {}, h.title), `: ${h.unsuited}`))));
    }
  } catch (err) {
    zoneBox.replaceChildren(el("p", { class: "status" }, `${t("error")} ${err.message}`));
  }
}

// --- gaps and practices ---------------------------------------------------------------------------

const GAP_CLASSES = ["absolute_gap", "conflicting", "thin", "synthesis_gap", "covered"];

async function loadGaps() {
  const by = $("#gaps-by").value;
  const rows = $("#gaps-rows").value;
  const query = `by=${by}&rows=${rows}`;
  $("#gaps-png").href = `/api/gaps.png?${query}&lang=${state.lang}`;
  $("#gaps-csv").href = `/api/gaps?${query}&format=csv`;
  $("#gaps-sources").href = `/api/gaps?${query}&format=sources`;
  $("#gaps-legend").replaceChildren(...GAP_CLASSES.map((c) => el("span", { class: `key state-${c}` }, t("gap_class")[c])));
  try {
    const data = await api(`/api/gaps?${query}`);
    const cells = Object.fromEntries(data.cells.map((c) => [`${c.category}|${c.column}`, c]));
    const colName = (c) => (data.column_names[c] || {})[state.lang] || c.replace(/_/g, " ");
    const rowName = (r) => (rows === "category" ? data.category_names[r] || r : r.replace(/-/g, " "));
    const head = el("tr", {}, el("th", {}), data.columns.map((c) => el("th", { scope: "col" }, colName(c))));
    const body = data.categories.map((r) => el("tr", {}, el("th", { scope: "row" }, rowName(r)), data.columns.map((c) => {
      const cell = cells[`${r}|${c}`];
      const found = cell.sources.length + cell.wocat_records.length + cell.document_ids.length;
      return el("td", { class: `state-${cell.class}`, tabindex: "0", title: gapTitle(cell),
        onclick: () => showGapCell(cell, rowName(r), colName(c)),
        onkeydown: (e) => { if (e.key === "Enter") showGapCell(cell, rowName(r), colName(c)); } },
      found || "", cell.demand ? el("sup", {}, `?${cell.demand}`) : "");
    })));
    $("#gaps-grid").replaceChildren(el("table", { class: "gap-grid" }, el("thead", {}, head), el("tbody", {}, body)));
    $("#gaps-list").replaceChildren(...data.gaps.filter((g) => g.plausible).slice(0, 12).map((g) =>
      el("li", {}, el("strong", {}, rowName(g.category)), " × ", colName(g.column),
        ` — ${t("gap_class")[g.state]}; ${g.why}`)));
  } catch (err) {
    $("#gaps-list").replaceChildren(el("li", {}, `${t("error")} ${err.message}`));
  }
}

const SOC_UNITS = { rate_t_c_ha_yr: () => t("rate_unit"), relative_change_pct: () => "%",
  stock_change_t_c_ha: () => t("stock_unit") };

function gapTitle(cell) {
  // What a hover shows: the class, the sources by kind, the soil-carbon span, the demand.
  const kinds = Object.entries(cell.kinds).filter(([, n]) => n).map(([k, n]) => `${n} ${t("kinds")[k] || k}`);
  const spans = Object.entries(cell.effect).map(([m, e]) =>
    `${SOC_UNITS[m]()}: ${Number(e.low).toLocaleString(state.lang)} … ${Number(e.high).toLocaleString(state.lang)} (${e.figures})`);
  return [t("gap_class")[cell.class], kinds.join(", "), spans.join("; "), cell.demand ? `${t("asked")}: ${cell.demand}` : ""]
    .filter(Boolean).join("\n");
}

function showGapCell(cell, row, column) {
  const sources = cell.sources.map((s) => el("li", {}, el("span", { class: "kind" }, t("kinds")[s.kind] || s.kind || "?"), " ",
    el("a", { href: "#", onclick: (e) => { e.preventDefault(); openPractice(s.practice); } }, s.practice.replace(/-/g, " ")), ": ",
    s.doi ? el("a", { href: `https://doi.org/${s.doi}`, target: "_blank", rel: "noopener" }, s.citation)
      : s.url ? el("a", { href: s.url, target: "_blank", rel: "noopener" }, s.citation) : s.citation));
  const documents = [...cell.wocat_records, ...cell.document_ids].map((id) => el("li", {},
    el("span", { class: "kind" }, cell.wocat_records.includes(id) ? "WOCAT" : t("document")), " ",
    el("a", { href: "#", onclick: (e) => { e.preventDefault(); openDocument(id, null, null); } }, id)));
  $("#gaps-detail").replaceChildren(el("h3", {}, `${row} × ${column} — ${t("gap_class")[cell.class]}`),
    el("p", {}, gapTitle(cell).split("\n").slice(1).join(" · ")),
    sources.length || documents.length ? el("ul", {}, sources, documents) : el("p", {}, t("none")));
}

async function loadPractices() {
  try {
    const list = await api(`/api/practices?lang=${state.lang}`);
    $("#practice-list").replaceChildren(...list.map((p) => el("li", { class: "card" },
      el("h3", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); openPractice(p.id); } }, p.title)),
      el("p", {}, p.summary),
      el("p", { class: "chips" }, p.climate_zones.map((z) => el("span", { class: "chip" }, zoneName(z)))))));
  } catch (err) {
    $("#practice-list").replaceChildren(el("li", {}, `${t("error")} ${err.message}`));
  }
}

// --- wiring ---------------------------------------------------------------------------------------

function showTab(name) {
  for (const b of document.querySelectorAll(".tabs button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const p of document.querySelectorAll(".panel")) p.classList.toggle("active", p.id === `tab-${name}`);
}

document.addEventListener("DOMContentLoaded", async () => {
  for (const b of document.querySelectorAll(".tabs button")) b.addEventListener("click", () => showTab(b.dataset.tab));
  $("#ui-lang").addEventListener("change", (e) => { state.lang = e.target.value; localStorage.setItem("humus-lang", state.lang); applyLanguage(); });
  $("#search-form").addEventListener("submit", (e) => { e.preventDefault(); state.filters = {}; runSearch(); });
  $("#group-zone").addEventListener("change", runSearch);
  $("#ask-form").addEventListener("submit", (e) => { e.preventDefault(); ask(); });
  $("#new-chat").addEventListener("click", () => { state.session = null; $("#chat").replaceChildren(); });
  $("#place-form").addEventListener("submit", (e) => { e.preventDefault(); findForPlace(); });
  $("#gaps-by").addEventListener("change", loadGaps);
  $("#gaps-rows").addEventListener("change", loadGaps);
  $("#viewer-close").addEventListener("click", () => $("#viewer").close());
  state.zones = await api("/api/zones").catch(() => null);
  applyLanguage();
});
