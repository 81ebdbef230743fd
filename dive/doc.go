// Package dive runs the DIVE zero-shot anomaly detection model ("Robust
// Zero-shot Anomaly Detection under Limited Auxiliary Anomaly Priors") through
// ONNX Runtime, as a backend.Backend: images in, anomaly maps at each image's
// own size and image scores out. Pre- and post-processing are DIVE's own,
// reproduced exactly (and tested against PIL, PyTorch and SciPy outputs), so
// that a map from this package is the map the paper's Python code would give.
//
// # Use
//
//	m, warnings, err := dive.Open("dive.onnx", dive.DefaultOptions)
//	if err != nil { ... }             // names the model or library file
//	for _, w := range warnings { ... } // e.g. CUDA unavailable, running on the CPU
//	defer m.Close()
//	out, err := m.Predict(ctx, []backend.Input{{Key: "000", Path: "bottle/test/broken_large/000.png"}})
//
// # Pipeline
//
// For each image:
//
//  1. Decode (PNG, JPEG, BMP, TIFF; see DecodeImage) and convert to RGB as
//     PIL's convert("RGB") does; JPEG pixels are libjpeg-turbo's, exactly
//     as PIL decodes them.
//  2. Resize to S x S with PIL's Image.resize(BICUBIC), scale to [0, 1],
//     normalise with CLIP's Mean and Std, lay out as [3, S, S]: Preprocess.
//  3. Run the model on a batch [N, 3, S, S].
//  4. Resize the model's anomaly map [h, w] to the image's size with bilinear
//     interpolation on half-pixel centres, then smooth it with a Gaussian of
//     sigma 4 (scipy.ndimage.gaussian_filter semantics): Postprocess.
//  5. Output.Score is the model's image_score.
//
// # ONNX contract
//
// A model file for this package has
//
//   - exactly one input, "image": float32 [N, 3, S, S], RGB, normalised as in
//     step 2. N may be dynamic (then Options.BatchSize images run at once) or
//     fixed (then exactly N run at once; a short last batch is padded with
//     zeros). S is read from the model; when it is dynamic, S = DefaultSize
//     (518, DIVE's input size).
//   - an output "image_score": float32 [N], the probability that the image is
//     abnormal (the paper's eq. 6: the abnormal channel of the softmax over
//     the normal/abnormal state similarities).
//   - an output "anomaly_map": float32 [N, h, w], the abnormal channel of the
//     patch-level similarity map, at any resolution (37 x 37 for DIVE's
//     ViT-L/14 at 518), BEFORE upsampling and smoothing: this package does
//     those, at the original image size.
//
// Other outputs are ignored. Open checks names, element types and ranks and
// names the model file in its error when they do not match; Predict checks
// the shapes the model returns.
//
// # Getting a model
//
// python/dive in this repository is an open PyTorch implementation of DIVE
// (the authors' code, https://github.com/ZhouF-ECNU/DIVE, was announced but
// not published when it was written). It trains DIVE on auxiliary data and
// exports it to this contract, and it exports a training-free zero-shot CLIP
// baseline to the same contract (README, "The DIVE model in PyTorch"):
//
//	cd python
//	python3 -m dive.export --arch zero-shot --clip ViT-L-14-336px.pt --out zs.onnx
//	python3 -m dive.train --data mvtec --clip ViT-L-14-336px.pt --out runs/dive
//	python3 -m dive.export --checkpoint runs/dive/checkpoint.pt --out dive.onnx
//
// Its tests run the models it exports through zsadbench predict and compare
// every map and score with PyTorch's to 1e-5.
//
// # Exporting a model from other PyTorch code
//
// Everything on the text side (the learned prompts, the text encoder, the
// LLM-generated description embeddings injected into the vision encoder) is
// fixed after training, so it is computed once and baked into the graph as
// constants; the exported graph is the vision path only (python/dive/export.py
// does exactly this). Wrap the trained model in a module whose forward takes
// the normalised image and returns the two contract outputs, and export it
// with opset 17 and a dynamic batch axis:
//
//	import torch
//
//	class DiveONNX(torch.nn.Module):
//	    def __init__(self, model, text_features):
//	        super().__init__()
//	        self.model = model.eval()
//	        # [2, D]: normal, abnormal state text embeddings, L2-normalised,
//	        # computed once from the trained prompt learner and text encoder.
//	        self.register_buffer("text", text_features)
//
//	    def forward(self, image):                        # [N, 3, 518, 518]
//	        # The model's own image encoder with its text injection, returning
//	        # the global embedding [N, D] and the final-layer patch embeddings
//	        # [N, L, D] (L = 37*37, class token removed), both L2-normalised.
//	        cls, patches = self.model.encode_image_for_export(image)
//	        probs = (cls @ self.text.t() / 0.07).softmax(-1)          # [N, 2]
//	        sim = (patches @ self.text.t() / 0.07).softmax(-1)        # [N, L, 2]
//	        side = int(sim.shape[1] ** 0.5)
//	        amap = sim[..., 1].reshape(-1, side, side)                # [N, 37, 37]
//	        return probs[:, 1], amap
//
//	wrapper = DiveONNX(trained_model, text_features).eval()
//	torch.onnx.export(
//	    wrapper, torch.randn(1, 3, 518, 518), "dive.onnx",
//	    input_names=["image"], output_names=["image_score", "anomaly_map"],
//	    dynamic_axes={"image": {0: "N"}, "image_score": {0: "N"}, "anomaly_map": {0: "N"}},
//	    opset_version=17)
//
// encode_image_for_export stands for the trained model's vision forward pass
// up to the normalised embeddings, and 0.07 for the temperature its training
// code uses; take both from that code, and reproduce the scores of
// its test script on a few images (with its own upsampling and smoothing
// turned off) before trusting the export. Models larger than 2 GB are written
// with external data next to the .onnx file; keep the files together.
//
// # ONNX Runtime
//
// The ONNX Runtime shared library is loaded at run time (dlopen), not linked:
// run scripts/setup-onnxruntime.sh to install release 1.30.0 (from the npm
// package onnxruntime-node, checksum-verified) at
// third_party/onnxruntime/libonnxruntime.so.1, or point $ZSADBENCH_ORT_LIB or
// Options.LibraryPath at another build (1.24 or newer: onnxruntime_go v1.27.0
// asks for C API version 24). That library has the CPU execution provider
// only; for CUDA use an ONNX Runtime GPU build (with its
// libonnxruntime_providers_cuda.so and libonnxruntime_providers_shared.so
// beside it). The library is process-global: the first successful Open loads
// it and it stays loaded; a later Open naming a different library fails.
package dive
