# Vigil build, test and benchmark entry points. Run `make help` for the list.
GO        ?= go
PYTHON    ?= /usr/bin/python3
STATICCHECK ?= $(shell $(GO) env GOPATH)/bin/staticcheck
SHARED    ?= ../shared/data
INTEROP   ?= $(CURDIR)/.interop

.PHONY: help build test race lint interop bench bench-tokenize bench-gemm demo generate clean

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

bench: bench-tokenize bench-gemm ## every benchmark summary

bench-tokenize: ## tokenizer throughput and training time, against @huggingface/tokenizers
	npm ci --no-audit --no-fund --silent --prefix interop/tokenizers
	$(GO) run ./tools/benchtok -shared $(SHARED)

bench-gemm: ## GEMM GFLOP/s against the measured FMA peak and PyTorch
	$(GO) run ./tools/benchgemm
	-$(PYTHON) tools/bench/matmul.py
	-OPENBLAS_CORETYPE=SkylakeX OMP_WAIT_POLICY=PASSIVE python3 tools/bench/matmul.py

demo: ## the end-to-end demo on synthetic data (arrives with the demo pipeline)
	@echo "make demo: the end-to-end demo pipeline arrives with the pretraining and fine-tuning stages"; exit 1

clean: ## remove build outputs
	rm -rf bin $(INTEROP)
