"""Administrative areas and the grid tree under each community (DESIGN §1–2)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from shapely.geometry.base import BaseGeometry

from finegrid.accounts.scope import ScopedQuerySet, path_q
from finegrid.territory import geometry as geo


class GeoFields(models.Model):
    """A WGS-84 polygon kept as GeoJSON text plus its bounding box for fast bbox filters."""

    geometry = models.TextField(_("边界 (GeoJSON)"), blank=True)
    min_lon = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lon = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)

    # GeoJSON types a row of this model may hold.
    GEOMETRY_TYPES = geo.AREAL_TYPES

    class Meta:
        abstract = True

    def set_geometry(self, shape: BaseGeometry | None) -> None:
        if shape is None:
            self.geometry = ""
            self.min_lon = self.min_lat = self.max_lon = self.max_lat = None
            return
        shape = geo.rounded(shape)
        self.geometry = geo.dumps(shape)
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = geo.bbox(shape)

    @property
    def shape(self) -> BaseGeometry | None:
        return geo.parse(self.geometry, self.GEOMETRY_TYPES) if self.geometry else None


class AreaLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道/乡镇")
    COMMUNITY = "community", _("社区/村")


class AdminArea(GeoFields):
    """A unit of China's administrative division (行政区划) with its 12-digit NBS code."""

    code = models.CharField(_("统计用区划代码"), max_length=12, unique=True)
    level = models.CharField(_("层级"), max_length=16, choices=AreaLevel.choices)
    name = models.CharField(_("名称"), max_length=100)
    is_village = models.BooleanField(_("村"), default=False)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级"),
    )
    path = models.CharField(_("路径"), max_length=64, unique=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["path"], name="area_path_like", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["level", "code"], name="area_level_code"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.short_code})"

    @property
    def short_code(self) -> str:
        return self.path.rsplit("/", 1)[-1]


class GridKind(models.TextChoices):
    COMMUNITY = "community", _("社区总网格")
    GENERAL = "general", _("一般网格")
    MICRO = "micro", _("微网格")
    DEDICATED = "dedicated", _("专属网格")


class SiteKind(models.TextChoices):
    """What a dedicated grid (专属网格) covers."""

    SCHOOL = "school", _("学校")
    HOSPITAL = "hospital", _("医院")
    MARKET = "market", _("商圈市场")
    ENTERPRISE = "enterprise", _("企业")
    INDUSTRIAL_PARK = "industrial_park", _("产业园区")
    OFFICE_TOWER = "office_tower", _("商务楼宇")
    CONSTRUCTION_SITE = "construction_site", _("建筑工地")
    AGENCY = "agency", _("机关单位")
    OTHER = "other", _("其他")


class Grid(GeoFields):
    """One node of the 3+1 grid tree under a community (社区总网格 → 一般网格 → 微网格,
    plus 专属网格). Invariants are enforced by finegrid.territory.actions."""

    code = models.CharField(_("网格编码"), max_length=32, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=GridKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级网格"),
    )
    community = models.ForeignKey(
        AdminArea,
        on_delete=models.PROTECT,
        related_name="grids",
        limit_choices_to={"level": AreaLevel.COMMUNITY},
        verbose_name=_("所属社区"),
    )
    site_kind = models.CharField(_("专属类型"), max_length=32, choices=SiteKind.choices, blank=True)
    path = models.CharField(_("路径"), max_length=80, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["path"], name="grid_path_like", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["kind", "code"], name="grid_kind_code"),
            models.Index(fields=["min_lon", "max_lon", "min_lat", "max_lat"], name="grid_bbox"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


# --- Places: compounds, buildings, entrances, dwellings (人房关联's 房) -------------------


class Placed(models.Model):
    """Where a place sits in the grid tree: its community, the finest grid it lies in, and
    that grid's path (the community's path when it is not yet in a grid) for scoping.
    Only finegrid.territory.placement sets or changes them."""

    community = models.ForeignKey(
        AdminArea,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": AreaLevel.COMMUNITY},
        verbose_name=_("所属社区"),
    )
    grid = models.ForeignKey(
        Grid,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在网格"),
    )
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class CompoundKind(models.TextChoices):
    ESTATE = "estate", _("商品房小区")
    COURTYARD = "courtyard", _("老旧院落")
    VILLAGE = "village", _("农村聚居点")
    STREET_FRONT = "street_front", _("临街商铺")
    UNIT = "unit", _("单位大院")
    OTHER = "other", _("其他")


class Compound(Placed, GeoFields):
    """A gated estate or an old courtyard (小区/院落): kept whole when grids are cut. Its
    ref is unique within its community, so a ref used elsewhere tells nobody anything."""

    ref = models.CharField(_("编号"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=CompoundKind.choices)

    class Meta:
        verbose_name = _("小区/院落")
        verbose_name_plural = _("小区/院落")
        ordering = ["ref"]
        constraints = [
            models.UniqueConstraint(fields=["community", "ref"], name="compound_ref_in_community")
        ]

    def __str__(self) -> str:
        return self.name


class BuildingKind(models.TextChoices):
    RESIDENTIAL = "residential", _("住宅")
    SHOP = "shop", _("商铺")
    MIXED = "mixed", _("商住混合")
    DEDICATED = "dedicated", _("专属单位")


class BuildingQuerySet(ScopedQuerySet):
    def in_paths(self, paths: tuple[str, ...]) -> models.Q:
        """A building split between micro-grids sits in their general grid; a worker of
        one of them still sees it, and through it only the dwellings of their own."""
        with_dwellings_here = Dwelling.objects.filter(path_q(paths)).values("building_id")
        return path_q(paths) | models.Q(pk__in=with_dwellings_here)


class Building(Placed, GeoFields):
    """A building (楼栋): footprint or point, floors, entrances, elevator."""

    GEOMETRY_TYPES = geo.PLACE_TYPES

    ref = models.CharField(_("编号"), max_length=40, unique=True)
    name = models.CharField(_("楼栋"), max_length=50, help_text=_("花名册中的楼栋名，如“3栋”"))
    compound = models.ForeignKey(
        Compound,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="buildings",
        verbose_name=_("小区/院落"),
    )
    kind = models.CharField(
        _("类型"), max_length=16, choices=BuildingKind.choices, default=BuildingKind.RESIDENTIAL
    )
    floors = models.PositiveSmallIntegerField(_("层数"), default=1)
    entrances = models.PositiveSmallIntegerField(_("单元数"), default=1)
    elevator = models.BooleanField(_("电梯"), default=False)
    dwellings_per_floor = models.PositiveSmallIntegerField(_("每单元每层户数"), default=2)

    objects = BuildingQuerySet.as_manager()

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["ref"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="building_name_in_community")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ref})"


class Entrance(models.Model):
    """A stairway entrance of a building (单元)."""

    building = models.ForeignKey(
        Building, on_delete=models.CASCADE, related_name="entrance_set", verbose_name=_("楼栋")
    )
    number = models.PositiveSmallIntegerField(_("单元号"))

    class Meta:
        verbose_name = _("单元")
        verbose_name_plural = _("单元")
        ordering = ["building", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="entrance_number")
        ]

    def __str__(self) -> str:
        return f"{self.building.name}{self.number}单元"

    @property
    def path(self) -> str:
        return self.building.path


class DwellingUse(models.TextChoices):
    RESIDENTIAL = "residential", _("住宅")
    SHOP = "shop", _("商铺")
    OFFICE = "office", _("办公")


class Dwelling(models.Model):
    """One door (房号) on one floor of an entrance. It carries its own grid, because a
    building too big for one micro-grid is split between micro-grids by floors."""

    building = models.ForeignKey(
        Building, on_delete=models.CASCADE, related_name="dwellings", verbose_name=_("楼栋")
    )
    entrance = models.ForeignKey(
        Entrance, on_delete=models.CASCADE, related_name="dwellings", verbose_name=_("单元")
    )
    floor = models.SmallIntegerField(_("楼层"))
    room = models.CharField(_("房号"), max_length=20)
    use = models.CharField(
        _("用途"), max_length=16, choices=DwellingUse.choices, default=DwellingUse.RESIDENTIAL
    )
    grid = models.ForeignKey(
        Grid,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在网格"),
    )
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        ordering = ["building", "entrance", "floor", "room"]
        constraints = [models.UniqueConstraint(fields=["entrance", "room"], name="dwelling_room")]

    def __str__(self) -> str:
        return f"{self.building.name}{self.entrance.number}单元{self.room}"


class Route(models.Model):
    """A micro-grid's visiting order (走访路线) as the division engine computed it: the
    stretches of entrances in the order a worker walks them, and the estimated minutes."""

    grid = models.OneToOneField(
        Grid, on_delete=models.CASCADE, related_name="route", verbose_name=_("微网格")
    )
    households = models.PositiveIntegerField(_("户数"))
    minutes = models.FloatField(_("预计入户用时（分钟）"))
    stops = models.JSONField(
        _("走访顺序"), help_text=_("[{building, entrance, floors: [lo, hi], households}]")
    )
    path = models.CharField(_("路径"), max_length=80, db_index=True)
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("走访路线")
        verbose_name_plural = _("走访路线")

    def __str__(self) -> str:
        return f"{self.grid.code}: {self.households} 户, {self.minutes:.0f} min"
