"""Steps 1-2: upload a design (measured at once), the file for its 3D preview, a scaled copy on request, a quote."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request

from offchain.exceptions import BadRequestError, RateLimitedError, SlicerError, StlError
from offchain.printing.slicer import Quote, SlicerProfile, quote
from offchain.printing.stl import StlInfo, StlLimits, read_stl, scaled_stl
from web.customer import DESIGN_NAME, bp, quota
from web.customer.fit import fit_report
from web.customer.forms import design_of, form_float, form_int
from web.customer.pages import partial
from web.platform.auth import signed_in
from web.platform.context import catalogue, platform
from web.platform.store import Design


def web_limits() -> StlLimits:
    return StlLimits(max_bytes=platform().settings.max_upload_mb * 1024 * 1024, max_triangles=quota.WEB_MAX_TRIANGLES)


@bp.post("/designs")
def upload() -> str:
    who = signed_in()
    file = request.files.get("stl")
    if file is None or not file.filename:
        raise BadRequestError("choose an STL file to upload", field="stl")
    data = file.read()
    _check_room(who.address, len(data))
    try:
        with quota.heavy("measuring"):
            info = read_stl(data, limits=web_limits())
    except StlError as err:
        raise BadRequestError(f"{file.filename}: {err}", field="stl") from None
    return _kept(who.address, file.filename or "design.stl", data, info)


@bp.post("/designs/<int:design_id>/remove")
def remove_design(design_id: int) -> str:
    """Removes a design of the signed-in account (not one in the cart); its file too when no one else has it."""
    who = signed_in()
    design = design_of(who.address, str(design_id))
    store = platform().store
    if any(line.design.id == design.id for line in store.cart(who.address)):
        raise BadRequestError(f"{design.name} is in your cart: remove the cart line first", field="design")
    _remove(design)
    return partial("designs", who.address)


def _check_room(address: str, incoming: int) -> None:
    """Clears expired designs, then refuses (429) an upload that would pass the account's quota."""
    store = platform().store
    for expired in store.expired_designs(quota.retention_cutoff()):
        _remove(expired)
    count, used = store.design_usage(address)
    if count >= quota.MAX_DESIGNS or used + incoming > quota.MAX_DESIGN_MB * 1024 * 1024:
        raise RateLimitedError(
            f"you keep {count} designs ({used / 2**20:.0f} MB); the limit is {quota.MAX_DESIGNS} designs and "
            f"{quota.MAX_DESIGN_MB} MB: remove some (designs not in your cart go after {quota.RETENTION_DAYS} days)",
            field="stl",
        )


def _remove(design: Design) -> None:
    store = platform().store
    store.delete_design(design.id)
    if not store.sha_in_use(design.sha256):
        platform().designs.delete(design.sha256)


@bp.post("/designs/<int:design_id>/scale")
def scale_design(design_id: int) -> str:
    """A scaled copy of the design, only when the customer asks for it (never silently): a new design, measured."""
    who = signed_in()
    design = design_of(who.address, str(design_id))
    factor = form_float(request.form, "factor", 0.01, 100.0, default=1.0)
    _check_room(who.address, design.info.get("bytes", 0))
    try:
        with quota.heavy("measuring"):
            data = scaled_stl(platform().designs.read(design.sha256), factor)
            info = read_stl(data, limits=web_limits())
    except StlError as err:
        raise BadRequestError(f"{design.name}: {err}", field="factor") from None
    return _kept(who.address, f"{design.name.removesuffix('.stl')} (scaled {factor:.0%}).stl", data, info)


def _kept(address: str, name: str, data: bytes, info: StlInfo) -> str:
    """The measured design stored (file and record), and the designs fragment with it marked fresh."""
    platform().designs.write(info.sha256, data)
    design = platform().store.add_design(
        address, name[:DESIGN_NAME], info.sha256, info.to_json() | fit_report(info.size_um)
    )
    return partial("designs", address, fresh=design.id)


@bp.get("/designs/<int:design_id>/stl")
def design_file(design_id: int) -> Response:
    """The uploaded STL, to its owner only (the 3D preview loads it)."""
    who = signed_in()
    design = design_of(who.address, str(design_id))
    return Response(platform().designs.read(design.sha256), mimetype="model/stl",
                    headers={"Content-Disposition": f'inline; filename="{design.name}"'})  # fmt: skip


@bp.post("/designs/<int:design_id>/quote")
def quote_design(design_id: int) -> str:
    who = signed_in()
    design = design_of(who.address, str(design_id))
    found, why = quote_for(who.address, design, request.form)
    return render_template("customer/quote.html", quote=found, why=why, design=design)


def quote_for(address: str, design: Design, form: Any) -> tuple[Quote | None, str]:
    """A real PrusaSlicer run for the design with the chosen material, layer height and infill (on their grid), on
    a bed the size of the largest published printer (cached per design + settings); (None, why) when it cannot be
    sliced. Counted against the account's quotes (429 past them)."""
    layer = quota.on_grid(form_float(form, "layer_height", 0.05, 0.6, default=0.2), quota.LAYER_STEP)
    infill = form_int(form, "infill", 0, 100) if (form.get("infill") or "").strip() else 20
    infill = int(quota.on_grid(infill, quota.INFILL_STEP)) if infill else 0
    nozzle = form_int(form, "nozzle_temp", 150, 320) if (form.get("nozzle_temp") or "").strip() else None
    nozzle = int(quota.on_grid(nozzle, quota.NOZZLE_STEP)) if nozzle else None
    material = form.get("material", "")
    if material not in catalogue().materials.values():
        raise BadRequestError(f"material {material!r} is not in the catalogue", field="material")
    bed = design.info.get("largest_mm") or [250.0, 250.0, 250.0]
    try:
        profile = SlicerProfile(layer_height_mm=layer, bed_x_mm=bed[0], bed_y_mm=bed[1], max_height_mm=bed[2],
                                material=material, infill_percent=infill, nozzle_temp_c=nozzle)  # fmt: skip
        data = platform().designs.read(design.sha256)
        platform().limiters.quotes.hit(address.lower(), "quotes")
        with quota.heavy("slicing"):
            return quote(platform().slicer, data, profile, size_mm=tuple(design.info["size_mm"])), ""
    except SlicerError as err:
        return None, str(err)
