/* The baseline loop for tricubic interpolation: nanoBragg.c's per-point F lookup, timed.

   perflab's own transcription of the semantics of nanoBragg.c (J. Holton): the range test
   on the fractional index, the 4x4x4 block of F copied around floor(h, k, l), and polin3:
   4-point Lagrange interpolation written as four explicit terms with the node coordinates
   as doubles (polint), along l for each (h, k) node, then along k (polin2), then along h.
   Out of range: the nearest node ceil(x - 0.5) when it is on the grid, else default_F,
   decided for each point (perflab's per-point rule; nanoBragg switches interpolation off
   for the rest of its run instead).

   Input file (native-endian): int32 H, K, L, hmin, kmin, lmin, repeats; int64 n;
   float64 default_F; float64 F[H*K*L]; float64 h[n], k[n], l[n].
   Output: the values (float64[n]) to argv[2]; one line per repeat on stdout with the
   wall seconds of one pass over the n points (clock_gettime, CLOCK_MONOTONIC). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* polint, polin2, polin3: separate functions with nanoBragg's signatures and call
   structure (node coordinates and values passed by pointer, double*** block) */
void polint(double *xa, double *ya, double x, double *y)
{
    double t0 = (x - xa[1]) * (x - xa[2]) * (x - xa[3]) * ya[0]
                / ((xa[0] - xa[1]) * (xa[0] - xa[2]) * (xa[0] - xa[3]));
    double t1 = (x - xa[0]) * (x - xa[2]) * (x - xa[3]) * ya[1]
                / ((xa[1] - xa[0]) * (xa[1] - xa[2]) * (xa[1] - xa[3]));
    double t2 = (x - xa[0]) * (x - xa[1]) * (x - xa[3]) * ya[2]
                / ((xa[2] - xa[0]) * (xa[2] - xa[1]) * (xa[2] - xa[3]));
    double t3 = (x - xa[0]) * (x - xa[1]) * (x - xa[2]) * ya[3]
                / ((xa[3] - xa[0]) * (xa[3] - xa[1]) * (xa[3] - xa[2]));
    *y = t0 + t1 + t2 + t3;
}

void polin2(double *x1a, double *x2a, double **ya, double x1, double x2, double *y)
{
    double tmp[4];
    for (int j = 0; j < 4; j++) polint(x2a, ya[j], x2, &tmp[j]);
    polint(x1a, tmp, x1, y);
}

void polin3(double *x1a, double *x2a, double *x3a, double ***ya, double x1, double x2,
            double x3, double *y)
{
    double tmp[4];
    for (int j = 0; j < 4; j++) polin2(x2a, x3a, ya[j], x2, x3, &tmp[j]);
    polint(x1a, tmp, x1, y);
}

/* F as nanoBragg stores it: Fhkl[h][k][l] through arrays of row pointers */
static double ***grid3(int H, int K, int L)
{
    double ***g = calloc(H, sizeof *g);
    for (int i = 0; i < H; i++) {
        g[i] = calloc(K, sizeof **g);
        for (int j = 0; j < K; j++) g[i][j] = calloc(L, sizeof ***g);
    }
    return g;
}

static double point(double ***Fhkl, double ***sub, const int *range, const int *mins,
                    double def, double h, double k, double l)
{
    const double x[3] = {h, k, l};
    for (int a = 0; a < 3; a++) {
        if ((x[a] - mins[a] + 3) > range[a] || (x[a] - 2) < mins[a]) {
            int n0[3];
            for (int b = 0; b < 3; b++) {
                n0[b] = (int)ceil(x[b] - 0.5);
                if (n0[b] < mins[b] || n0[b] > mins[b] + range[b] - 1) return def;
            }
            return Fhkl[n0[0] - mins[0]][n0[1] - mins[1]][n0[2] - mins[2]];
        }
    }
    int hi[4], ki[4], li[4];
    double hd[4], kd[4], ld[4];
    int h0 = (int)floor(h), k0 = (int)floor(k), l0 = (int)floor(l);
    for (int d = 0; d < 4; d++) {
        hi[d] = h0 - 1 + d; ki[d] = k0 - 1 + d; li[d] = l0 - 1 + d;
        hd[d] = (double)hi[d]; kd[d] = (double)ki[d]; ld[d] = (double)li[d];
    }
    for (int i1 = 0; i1 < 4; i1++)
        for (int i2 = 0; i2 < 4; i2++)
            for (int i3 = 0; i3 < 4; i3++)
                sub[i1][i2][i3] = Fhkl[hi[i1] - mins[0]][ki[i2] - mins[1]][li[i3] - mins[2]];
    double y;
    polin3(hd, kd, ld, sub, h, k, l, &y);
    return y;
}

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: %s INPUT OUTPUT\n", argv[0]); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 2; }
    int32_t hdr[7]; int64_t n; double def;
    if (fread(hdr, sizeof hdr, 1, f) != 1 || fread(&n, sizeof n, 1, f) != 1
        || fread(&def, sizeof def, 1, f) != 1) { fprintf(stderr, "bad header\n"); return 2; }
    int shape[3] = {hdr[0], hdr[1], hdr[2]}, mins[3] = {hdr[3], hdr[4], hdr[5]};
    int repeats = hdr[6];
    size_t nf = (size_t)shape[0] * shape[1] * shape[2];
    double *F = malloc(nf * sizeof *F), *q = malloc(3 * (size_t)n * sizeof *q);
    double *out = malloc((size_t)n * sizeof *out);
    if (!F || !q || !out) { fprintf(stderr, "out of memory\n"); return 2; }
    if (fread(F, sizeof *F, nf, f) != nf || fread(q, sizeof *q, 3 * (size_t)n, f) != 3 * (size_t)n) {
        fprintf(stderr, "short input\n"); return 2;
    }
    fclose(f);
    const double *h = q, *k = q + n, *l = q + 2 * n;
    double ***Fhkl = grid3(shape[0], shape[1], shape[2]), ***sub = grid3(6, 6, 6);
    for (size_t i = 0; i < nf; i++)
        Fhkl[i / ((size_t)shape[1] * shape[2])][(i / shape[2]) % shape[1]][i % shape[2]] = F[i];
    for (int r = 0; r < repeats; r++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int64_t i = 0; i < n; i++) out[i] = point(Fhkl, sub, shape, mins, def, h[i], k[i], l[i]);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("%.9f\n", (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec));
    }
    FILE *o = fopen(argv[2], "wb");
    if (!o || fwrite(out, sizeof *out, (size_t)n, o) != (size_t)n) { perror(argv[2]); return 2; }
    fclose(o);
    free(F); free(q); free(out);  /* Fhkl, sub: freed at exit */
    return 0;
}
