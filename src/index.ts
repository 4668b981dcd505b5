/**
 * gan-repro's public entry point: what notebooks and user code import.
 *
 * In a tslab notebook (which cannot `import` TypeScript files outside the notebook's folder), with
 * types: `import * as kit from "../kit";` (kit/index.js loads this file through tsx; kit/index.d.ts
 * is its declarations, written by `npm run kit-types`).
 */
export { initBackend, BACKEND_NAMES, currentBackend } from "./backend/select";
export { UserError } from "./errors";

export { Dataset, ShuffledBatches, subset, split, gather, exampleCount, padImages } from "./data/dataset";
export { loadData, DATA_NAMES, mnistDir } from "./data/registry";
export { syntheticDigits } from "./data/synthetic-digits";
export { ring8, grid25, sampleMixture, Mixture } from "./data/mixtures";
export { loadIdxImages, sharedMnistDir } from "./data/idx";

export { Gan, GanConfig, discriminatorLoss, generatorLoss, valueFunction, sampleLatent } from "./models/gan";
export { Dcgan, DcganConfig } from "./models/dcgan";
export { Began, BeganConfig, BEGAN_DEFAULTS, IMPROVED_BEGAN, TABLE2_IMPROVED_BEGAN, updateK, mGlobal } from "./models/began";
export { MODELS, modelEntry } from "./models/registry";

export { Trainer, StepRecord, TrainCallbacks, trainedSeconds } from "./train/trainer";
export { evaluateEvery, snapshotEvery, checkpointEvery, disposeSnapshots, Snapshot } from "./train/callbacks";
export { historyFrame, saveHistoryCsv, dfd } from "./train/history";
export { saveCheckpoint, loadCheckpoint, readCheckpoint } from "./train/checkpoint";

export { modeCoverage } from "./metrics/mode-coverage";

export { gridPng, saveGrid } from "./viz/image-grid";
export { lineChart, smooth, saveHtml, figuresHtml, Figure } from "./viz/charts";
export { figureSvg } from "./viz/svg";
export { showPng, showHtml, showMarkdown, showFigure, showTable, showUpdatableTable, ShownTable, markdownTable, htmlTable, textTable, figureBundle, isQuick, budget, Budget, BUDGETS, inNotebook } from "./notebook/display";
export { svgToPng } from "./viz/raster";
export { swd } from "./metrics/swd";
export { msSsim, msSsimDiversity, msSsimDiversityDetail } from "./metrics/ms-ssim";
export { METRICS, METRIC_NAMES, computeMetric, metricEntry, MetricInputs, MetricValue, MetricEntry } from "./metrics/registry";
export { Features, FeatureStats, featureStats, featuresFromRows } from "./metrics/features";
export { frechetDistance, frechetDetail, frechetFromFeatures, GaussianStats, FrechetDetail } from "./metrics/frechet";
export { kid, KidOptions, KidResult } from "./metrics/kid";
export { precisionRecall, PrecisionRecall, PrecisionRecallOptions } from "./metrics/precision-recall";
export { densityCoverage, DensityCoverage, DensityCoverageOptions } from "./metrics/density-coverage";
export { knnRadii } from "./metrics/neighbours";
export { Tgan, LatentGan, LatentGanConfig, TGAN_DEFAULTS, tganFor, latentGanShape, MixtureLatent, Codewords, drawMixtureNoise, chiSquareSample, classificationLoss, crossEntropy, cycleClasses } from "./models/tgan";
export { Deligan, DELIGAN_DEFAULTS, deliganFor } from "./models/deligan";
export { Acgan, ACGAN_DEFAULTS, acganFor } from "./models/acgan";
export { inceptionScore, modifiedInceptionScore, scoreImages, classifierProbs, inceptionMetric, ProbInput, Score, ModifiedScore } from "./metrics/inception-score";
export { trainClassifier, loadGraphClassifier, ProbClassifier, TrainedClassifier } from "./metrics/classifier";
export { Pggan, PgganConfig, trainProgressive, pgganPhases, pixelNorm, minibatchStddev, mbstdGroup } from "./models/pggan";
export { kitEvaluator, graphEvaluator, evaluatorSplits, featuresOf, Evaluator, PreparedEvaluator, EVALUATOR_VERSION } from "./eval/evaluator";
export { evaluateSamples, EvalReport, EVAL_METRICS, fdEntry, SampleSet } from "./eval/evaluate";
export { loadModel, LoadedModel } from "./eval/load-model";
export { generateSamples, latentWalk } from "./eval/samples";
export { applyFit, chooseFit, unfitSamples, ImageFit } from "./data/fit";
export { readNpy, writeNpy } from "./data/npy";
export { checkQuality, collapsedRecall, describeTarget, DEFAULT_TARGET, QualityTarget, ResolvedTarget, resolveTarget } from "./experiments/quality";
export { differenceVerdict, gateOnQuality, summarise, verdictLine, whyParts, Verdict, QualityGate } from "./experiments/verdict";
export { writeResult, readResults, resultsRoot, claimFromVerdict, ResultFile, ResultInput, Claim } from "./results/files";
export { recordBudgetRun, budgetRuns, budgetRows, budgetFromScratch, showBudgetTable, BudgetRun, BudgetTable } from "./results/budgets";

// Building blocks the exercises (exercises/*.ipynb) write against.
export { Module } from "./nn/module";
export { Dense, Conv2d, ConvTranspose2d, BatchNorm } from "./nn/layers";
export { EqualizedConv2d, EqualizedDense, heConstant } from "./nn/equalized";
export { Mlp } from "./models/gan";
export { reconstructionLoss } from "./models/began";
export { mulberry32, normalFrom } from "./data/rng";
export * as checks from "./exercises/check";
