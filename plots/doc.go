// Package plots draws the curves zsadbench computes (ROC, PR, PRO-vs-FPR and
// PRO-vs-RC) as publication figures with gonum/plot: several models in one
// figure, each model in the same colour and dash pattern in every figure,
// axes from 0 to 1, sized for one- or two-column papers, written as PNG, SVG
// or PDF.
//
// The package draws; it computes no metric. The scalar shown next to a
// model in the legend (AUROC, AP, AUPRO, RCPRO) is an input, Series.Value.
// Curves with millions of points are thinned before drawing (see Thin) so
// that the figure looks the same and stays small.
package plots
