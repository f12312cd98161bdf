# Vigil build, test and benchmark entry points. Run `make help` for the list.
GO        ?= go
PYTHON    ?= /usr/bin/python3
STATICCHECK ?= $(shell $(GO) env GOPATH)/bin/staticcheck
SHARED    ?= ../shared/data
INTEROP   ?= $(CURDIR)/.interop
DEMO      ?= runs/demo

.PHONY: help build test race lint interop bench bench-tokenize bench-gemm bench-train demo germeval generate clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

build: ## build the train CLI into bin/train
	$(GO) build -o bin/train ./cmd/train

test: ## vet and run every test
	$(GO) vet ./...
	$(GO) test ./...

race: ## run the engine's tests under the race detector
	$(GO) test -race ./tensor/...

lint: ## gofmt check, go vet, staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

generate: ## regenerate the assembly kernels
	$(GO) generate ./tensor/...

interop: ## check Vigil's tokenizer against @huggingface/tokenizers (Node)
	npm ci --no-audit --no-fund --silent --prefix interop/tokenizers
	rm -rf $(INTEROP) && $(GO) run ./tools/tokinterop -out $(INTEROP) $(if $(wildcard $(SHARED)),-shared $(SHARED)) \
		$(if $(wildcard $(SHARED)/vocab/bert-base-uncased-vocab.txt),-vocab $(SHARED)/vocab/bert-base-uncased-vocab.txt)
	node interop/tokenizers/check.mjs $(INTEROP)

bench: bench-tokenize bench-gemm bench-train ## every benchmark summary

bench-tokenize: ## tokenizer throughput and training time, against @huggingface/tokenizers
	npm ci --no-audit --no-fund --silent --prefix interop/tokenizers
	$(GO) run ./tools/benchtok -shared $(SHARED)

bench-gemm: ## GEMM GFLOP/s against the measured FMA peak and PyTorch
	$(GO) run ./tools/benchgemm
	-$(PYTHON) tools/bench/matmul.py
	-OPENBLAS_CORETYPE=SkylakeX OMP_WAIT_POLICY=PASSIVE $(PYTHON) tools/bench/matmul.py

bench-train: ## one training step and inference of `small` against PyTorch 1.13, as installed and tuned
	$(GO) run ./tools/benchtrain -python $(PYTHON)

germeval: ## GermEval violence experiment with the pretraining ablation (about an hour on 2 cores; needs ../shared/data)
	SHARED=$(SHARED) tools/experiments/germeval.sh
	tools/experiments/germeval-summary.sh

demo: build ## the end-to-end demo on synthetic data, into $(DEMO) (removed first): 1-3 minutes on 2 cores
	rm -rf $(DEMO)
	@echo "== 1/6 synthetic corpora"
	$(GO) run ./tools/demo -out $(DEMO)/data
	@echo "== 2/6 tokenizer"
	bin/train tokenizer --corpus $(DEMO)/data/web.txt --corpus $(DEMO)/data/chats.jsonl \
		--vocab-size 3000 --lowercase --out $(DEMO)/tok
	@echo "== 3/6 pretraining on web and news text"
	bin/train pretrain --model tiny --tokenizer $(DEMO)/tok --data $(DEMO)/data/web.txt --out $(DEMO)/pretrain \
		--max-steps 400 --seq-len 64 --lr 1e-3 --warmup 40 --eval-every 100 --save-every 0
	@echo "== 4/6 domain adaptation on chat messages"
	bin/train pretrain --init $(DEMO)/pretrain --data $(DEMO)/data/chats.jsonl --out $(DEMO)/adapt \
		--max-steps 200 --seq-len 64 --lr 5e-4 --warmup 20 --eval-every 50 --save-every 0
	@echo "== 5/6 fine-tuning the threat and drugs heads"
	bin/train finetune --init $(DEMO)/adapt --train $(DEMO)/data/train.csv --dev $(DEMO)/data/dev.csv \
		--test $(DEMO)/data/test.csv --labels threat,drugs --id-field id --max-len 48 --epochs 5 --lr 3e-4 \
		--pos-weight auto --out $(DEMO)/clf
	@echo "== 6/6 evaluation on held-out messages"
	bin/train eval --model $(DEMO)/clf --data $(DEMO)/data/test.csv --id-field id --lexicon en --report $(DEMO)/report
	@$(GO) run ./tools/demo -summary $(DEMO)/report

clean: ## remove build outputs
	rm -rf bin $(INTEROP)
