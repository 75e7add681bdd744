"""AniSOAP descriptors for ellipsoidal particles (Lin et al., J. Chem. Phys. 2024).

```python
from perflab.soap import AniSOAP, Frame
f = Frame(positions, species, quaternions, diameters, cell=None)
calc = AniSOAP(max_angular=6, radial_basis="gto", cutoff_radius=7.0,
               radial_gaussian_width=1.5, backend="torch")   # or "numpy"; device=, dtype=
ps = calc.power_spectrum([f])      # (frames, features)
coeffs = calc.expansion([f])       # {(center_species, l): (samples, 2l+1, properties)}
```

Modules: ``frames`` (input + validation), ``radial`` (bases, orthonormalisation),
``moments`` (Gaussian moments), ``solid_harmonics``, ``projection`` (numpy reference path),
``torch_backend`` (vectorised), ``expansion`` (blocks and layout), ``power_spectrum``,
``neighbours``, ``systems`` (benchmark systems), ``bench`` (benchmark harness).
"""

from perflab.soap.calculator import AniSOAP
from perflab.soap.expansion import DensityExpansion
from perflab.soap.frames import Frame, FrameError
from perflab.soap.radial import HyperparameterError

__all__ = ["AniSOAP", "DensityExpansion", "Frame", "FrameError", "HyperparameterError"]
