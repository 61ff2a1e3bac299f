# The two commands of a fresh machine:
#   make chat   set up, index the shipped corpus if needed, start the web chat
#   make test   set up (Chromium included), run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.askcorpus-installed
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1
export HF_HUB_DISABLE_TELEMETRY=1
export GRADIO_ANALYTICS_ENABLED=False

.PHONY: setup chat index test test-slow test-all browser lint bench clean reader span

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# torch first, pinned: the CPU wheel (an unpinned torch would pull several GB of CUDA)
	$(BIN)/pip install --disable-pip-version-check -q torch==2.13.0
	$(BIN)/pip install --disable-pip-version-check -q -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

index: setup
	$(BIN)/askcorpus index --corpus corpus --index index

chat: index
	$(BIN)/python app.py --corpus corpus --index index

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Chromium (Debian package) for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: setup browser
	$(BIN)/python -m pytest -m "not slow"

test-slow: setup browser
	$(BIN)/python -m pytest -m slow

# Retrain askcorpus's answer reader from the packaged MiniLM weights and ship it into
# src/askcorpus/models/reader/ (see its MODEL_CARD.md; the recipe: training/train_reader.py):
# one index of Reuters-21578 + AG News (~8 min), the candidate pools (~6 min), training on
# SQuAD + the written train questions (~25 min), evaluation and int8 export (~5 min) on 2 cores
READER_POOLS ?= .cache/tune/reader-pools
NEWS_CORPUS  ?= ../news_corpus
NEWS_INDEX   ?= ../news_index
reader: setup index
	$(BIN)/python -c "import sys; sys.path.insert(0, 'training/data'); from news_articles import write_corpus; from pathlib import Path; write_corpus(Path('$(NEWS_CORPUS)'))"
	$(BIN)/askcorpus index --corpus $(NEWS_CORPUS) --index $(NEWS_INDEX)
	$(BIN)/python benchmarks/tune_answer.py collect --seed eval/seed_questions.jsonl --index index --cache $(READER_POOLS)
	$(BIN)/python benchmarks/tune_answer.py collect --squad ../shared/data/squad_v2/dev-v2.0.half-a.json --cache $(READER_POOLS)
	$(BIN)/python benchmarks/tune_answer.py collect-ooc --seed eval/seed_questions.jsonl --squad ../shared/data/squad_v2/dev-v2.0.half-a.json --cache $(READER_POOLS)
	for s in train fit dev; do $(BIN)/python benchmarks/tune_answer.py collect --questions training/data/questions.$$s.jsonl --corpus $(NEWS_CORPUS) --index $(NEWS_INDEX) --name news_$$s --cache $(READER_POOLS) || exit 1; done
	$(BIN)/python training/train_reader.py --pools $(READER_POOLS) --questions training/data --out .cache/reader/shipped --ship

# Retrain askcorpus's answer-span model (marks the answer inside a quote) from the packaged
# MiniLM weights and ship it into src/askcorpus/models/span/ (see its MODEL_CARD.md): SQuAD
# half-a + the written train questions' answer spans (training/data), the article-held-out
# measure (6 SQuAD articles) and then the shipped model (all 8), 2 epochs each, ~15 and ~20 min
# on 2 CPU cores, plus the seed pools for its seed measure (~1 min)
SPAN_ARGS := --pools $(READER_POOLS) --epochs 2 --lr 5e-5 --batch 16 --seed 17 --questions training/data
span: setup index
	$(BIN)/python benchmarks/tune_answer.py collect --seed eval/seed_questions.jsonl --index index --cache $(READER_POOLS)
	$(BIN)/python training/train_span.py $(SPAN_ARGS) --holdout 1,6 --out .cache/span/cv
	$(BIN)/python training/train_span.py $(SPAN_ARGS) --cv-meta .cache/span/cv/meta.json \
	    --out .cache/span/all --ship

lint: setup
	$(BIN)/ruff check src tests benchmarks training app.py

clean:
	rm -rf $(VENV) index .pytest_cache
