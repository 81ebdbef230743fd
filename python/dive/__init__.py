"""DIVE ("Robust Zero-shot Anomaly Detection under Limited Auxiliary Anomaly
Priors") in PyTorch: a frozen OpenAI CLIP with DIVE's prompt learners, text
injection and disentanglement (``dive.model``), its training
(``python3 -m dive.train``), a training-free zero-shot baseline
(``dive.zeroshot``), and export to zsadbench's ONNX contract
(``python3 -m dive.export``). See the section "The DIVE model in PyTorch" of
the repository's README.
"""
