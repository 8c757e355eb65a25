"""产业链 of the plan industries: the links of each chain and the national industry classes in each link.

A chain is 4-7 links, each at one stage (STAGES: upstream, midstream, downstream, supporting services). A link
lists GB/T 4754-2017 codes: 4-digit classes (小类), or 3-digit groups (中类) / 2-digit divisions (大类) that stand
for every class below them. ``link_of(industry, code)`` places a firm's 4-digit class in the chain of an industry
by the longest matching prefix, so a broad catch-all ("39" 电子设备 as the buyers of chips) and a precise class
("3973" 集成电路制造) can sit in one chain and the precise one wins.

Codes are checked against the GB/T 4754-2017 class list (names in the comments). A code belongs to a link of the
chain it is listed in; the same class may appear in another industry's chain in another role (6520 集成电路设计
is the core of the chip chain and an upstream input of the AI chain). The chains are this project's reading of
each industry's value chain; ``plan_note`` quotes the plan where it states an intent for that link, as
"「quote」 (section)", the quote as printed in the plan text (line breaks removed), or is None.

This is finer than plan.site_rules.SUPPLY_CHAIN, which links whole plan industries to each other.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ChainLink", "STAGES", "STAGE_IDS", "SOURCES", "CHAINS", "link_of"]

SOURCES: tuple[str, ...] = (
    "GB/T 4754-2017《国民经济行业分类》(含第1号修改单), 国家统计局: the class codes",
    "《青浦区战略性新兴产业、先导产业、平台经济发展“十四五”规划》(青府办发〔2021〕63号), 三 战略性新兴产业发展重点, 四 先导产业, "
    "五 平台经济, 六 空间布局: the plan notes",
)

# Ordered: id -> (zh, en).
STAGES: dict[str, tuple[str, str]] = {
    "upstream": ("上游", "Upstream"),
    "midstream": ("中游", "Midstream"),
    "downstream": ("下游", "Downstream"),
    "services": ("配套服务", "Supporting services"),
}
STAGE_IDS: tuple[str, ...] = tuple(STAGES)


@dataclass(frozen=True)
class ChainLink:
    """One link of an industry chain."""

    id: str
    zh: str
    en: str
    stage: str  # one of STAGE_IDS
    codes: tuple[str, ...]  # GB/T 4754-2017 class codes or group/division prefixes
    plan_note: str | None = None  # "「quote」 (plan section)"


L = ChainLink  # short alias for the tables below

CHAINS: dict[str, tuple[ChainLink, ...]] = {
    # ---------------------------------------------------------------- 集成电路 (plan 三(一)1)
    "ic": (
        L("materials", "电子材料", "Electronic materials", "upstream",
          ("3985",),  # 电子专用材料制造 (wafers, epitaxy, e-chemicals)
          "「增强封测、设备和材料环节配套能力」 (三(一)1 集成电路)"),
        L("equipment", "制造与测试设备", "Fab and test equipment", "upstream",
          ("3562", "4028"),  # 半导体器件专用设备制造; 电子测量仪器制造
          "「增强封测、设备和材料环节配套能力」 (三(一)1 集成电路)"),
        L("design", "芯片设计", "Chip design", "midstream",
          ("6520",),  # 集成电路设计
          "「推进以芯片设计研发为引领的特色产业链集聚」 (三(一)1 集成电路)"),
        L("fab_packaging", "芯片制造与封装测试", "Fabrication, packaging and test", "midstream",
          ("3973", "3972"),  # 集成电路制造 (incl. packaging); 半导体分立器件制造 (power devices)
          "「发展高端封装测试产业」 (三(一)1 集成电路)"),
        L("testing", "检验测试服务", "Testing services", "services",
          ("7452",),  # 检测服务
          "「布局芯片检验测试平台」 (三(一)1 集成电路)"),
        L("applications", "整机与应用", "Devices and applications", "downstream",
          ("39", "3670"),  # 计算机、通信和其他电子设备制造业 (other than the classes above); 汽车零部件 (汽车电子)
          "「面向 5G通信、北斗导航、智能硬件、汽车电子、超高清视频等应用需求」 (三(一)1 集成电路)"),
    ),
    # ---------------------------------------------------------------- 人工智能 (plan 三(一)2)
    "ai": (
        L("chips", "人工智能芯片", "AI chips", "upstream",
          ("6520", "3973"),  # 集成电路设计; 集成电路制造
          "「布局人工智能芯片研发」 (三(一)2 人工智能)"),
        L("compute_data", "算力与数据", "Compute and data", "upstream",
          ("6550", "6450"),  # 信息处理和存储支持服务; 互联网数据服务
          "「部署大规模开源训练平台、人工智能算法中心、视觉语音语义平台等人工智能技术基座」 (五(一))"),
        L("software", "算法与软件", "Algorithms and software", "midstream",
          ("651",),  # 软件开发 (6511-6519)
          "「推进人工智能软件开发」 (三(一)2 人工智能)"),
        L("components", "关键零部件", "Key components", "midstream",
          ("3983", "4011", "3813"),  # 敏感元件及传感器; 工业自动控制系统装置; 微特电机及组件 (drives)
          "「引培高性能控制器、传感器、驱动器等关键零部件研发生产企业」 (三(一)2 人工智能)"),
        L("smart_hardware", "智能硬件与机器人", "Smart hardware and robots", "downstream",
          ("396", "3491", "3492"),  # 智能消费设备 (3961-3969); 工业机器人; 特殊作业机器人
          "「支持人机共融机器人研发及产业化应用」 (三(一)2 人工智能)"),
        L("applications", "融合应用", "AI+ applications", "services",
          ("6531", "6560"),  # 信息系统集成服务; 信息技术咨询服务
          "「打造一批具有示范效应的人工智能融合应用场景」 (三(一)2 人工智能)"),
    ),
    # ---------------------------------------------------------------- 软件信息 (plan 三(一)3)
    "software": (
        L("infrastructure", "信息基础设施", "Digital infrastructure", "upstream",
          ("391", "631", "6410"),  # 计算机制造; 电信; 互联网接入及相关服务
          "「加快布局 5G、物联网、云计算中心」 (五(一))"),
        L("basic_software", "基础软件", "Basic software", "midstream",
          ("6511", "6512"),  # 基础软件开发; 支撑软件开发
          "「推进操作系统、数据库、办公软件、企业管理软件等基础软件产品研发」 (三(一)3 软件信息)"),
        L("application_software", "应用与工业软件", "Application and industrial software", "midstream",
          ("6513", "6519"),  # 应用软件开发; 其他软件开发
          "「发展工业软件」 (三(一)3 软件信息)"),
        L("security", "信息安全", "Information security", "midstream",
          ("6440", "3915"),  # 互联网安全服务; 信息安全设备制造
          "「打造一批自主可控的信息安全软件产品」 (三(一)3 软件信息)"),
        L("cloud_data", "云与数据服务", "Cloud and data services", "downstream",
          ("6550", "6450", "6540"),  # 信息处理和存储支持服务; 互联网数据服务; 运行维护服务
          "「推动软件向 SaaS（软件即服务）模式转型」 (三(一)3 软件信息)"),
        L("it_services", "系统集成与咨询", "Integration and IT consulting", "services",
          ("6531", "6560", "6599"),  # 信息系统集成服务; 信息技术咨询服务; 其他未列明信息技术服务业
          "「提升软件集成能力」 (三(一)3 软件信息)"),
    ),
    # ---------------------------------------------------------------- 物联网 (core and corridor target)
    "iot": (
        L("chips_sensors", "芯片与传感器", "Chips and sensors", "upstream",
          ("3983", "6520"),  # 敏感元件及传感器制造; 集成电路设计
          "「构建以华为海思为核心的移动、通信、物联网芯片产业链」 (三(一)1 集成电路)"),
        L("network_equipment", "通信模组与网络设备", "Modules and network equipment", "upstream",
          ("392",),  # 通信设备制造 (3921 系统设备, 3922 终端设备)
          None),
        L("terminals", "智能终端", "Smart terminals", "midstream",
          ("396",),  # 智能消费设备制造 (wearables, in-vehicle, drones, robots)
          "「培育孵化智能运载设备、智能家居、智能安防、智能穿戴设备等智能新硬件产品」 (三(一)2 人工智能)"),
        L("networks", "网络运营", "Network operation", "midstream",
          ("631",),  # 电信 (NB-IoT / 5G connectivity)
          "「加快布局 5G、物联网、云计算中心」 (五(一))"),
        L("platform_services", "平台与技术服务", "Platforms and IoT services", "downstream",
          ("6532", "6531"),  # 物联网技术服务; 信息系统集成服务
          "「构建“5G+云+AI+IoT+X”」 (五(一))"),
    ),
    # ---------------------------------------------------------------- 高端装备制造 (plan 三(二))
    "equip": (
        L("components", "关键基础零部件", "Core components", "upstream",
          ("345", "344", "348"),  # 轴承、齿轮和传动部件; 泵、阀门、液压气动; 通用零部件
          "「推动精密机电优势产业向智能装备产业链高端延伸」 (三(二))"),
        L("control", "控制系统与仪器仪表", "Control systems and instruments", "upstream",
          ("401", "3914"),  # 通用仪器仪表制造 (4011 工业自动控制系统装置); 工业控制计算机及系统
          "「提升高端数控机床、增材制造装备、智能仪器仪表、智能测控装备等重点领域研发制造水平」 (三(二))"),
        L("machines", "整机装备", "Machines and production systems", "midstream",
          ("34", "35"),  # 通用设备 (342 数控机床, 3493 增材制造装备) and 专用设备, other than the groups above/below
          "「提升重大智能成套设备集成水平」 (三(二))"),
        L("robots", "机器人与智能制造单元", "Robots and smart manufacturing units", "midstream",
          ("3491", "3492", "343"),  # 工业机器人; 特殊作业机器人; 物料搬运设备 (warehouse robots, AGVs)
          "「推进具有自感知、自控制、自决策、自执行功能的智能制造单元、工业机器人、仓储机器人等的研制和应用」 (三(二))"),
        L("transport_parts", "交通运输装备零部件", "Transport equipment parts", "downstream",
          ("3670", "371", "372", "373"),  # 汽车零部件及配件; 铁路运输设备; 城市轨道交通设备; 船舶及相关装置
          "「围绕汽车零部件、交通运输零部件等高端装备」 (六 现代制造业和生产性服务业组团)"),
        L("services", "制造服务化", "Design, repair and service", "services",
          ("7491", "4320", "4330"),  # 工业设计服务; 通用设备修理; 专用设备修理
          "「推进制造业服务化」 (三(二))"),
    ),
    # ---------------------------------------------------------------- 北斗导航 (plan 三(三)1)
    "beidou": (
        L("components", "基础元器件", "Base components", "upstream",
          ("6520", "3973", "3983"),  # 集成电路设计; 集成电路制造; 敏感元件及传感器 (boards, chips, low-power sensors)
          "「加快集聚上游基础元器件产业」 (三(三)1 北斗导航)"),
        L("devices", "定位装置与终端", "Positioning devices and terminals", "midstream",
          ("4023", "3962", "3961"),  # 导航、测绘、气象及海洋专用仪器; 智能车载设备; 可穿戴智能设备
          "「中游定位装置产业」 (三(三)1 北斗导航)"),
        L("operations", "运营服务", "Operation services", "downstream",
          ("744", "6339", "6531"),  # 测绘地理信息服务; 其他卫星传输服务; 信息系统集成服务
          "「下游运营服务产业」 (三(三)1 北斗导航)"),
        L("location_data", "位置大数据服务", "Location big-data services", "downstream",
          ("6450", "6550"),  # 互联网数据服务; 信息处理和存储支持服务
          "「建设北斗高精度导航及位置大数据服务支撑平台」 (三(三)1 北斗导航)"),
        L("rd_testing", "研发与测试平台", "R&D and test platforms", "services",
          ("7320", "7452"),  # 工程和技术研究和试验发展; 检测服务
          "「充分发挥北斗导航研发与转化功能型平台作用」 (三(三)1 北斗导航)"),
    ),
    # ---------------------------------------------------------------- 高分遥感 (plan 三(三)2)
    "rs": (
        L("satellites", "卫星与载荷", "Satellites and payloads", "upstream",
          ("3742", "3743"),  # 航天器及运载火箭制造; 航天相关设备制造
          "「加快新一代微小卫星、遥感卫星、量子卫星、卫星导航基础构件及终端设备研究和载荷研制」 (四 3 新一代卫星导航)"),
        L("sensors_platforms", "传感器与航空平台", "Sensors and airborne platforms", "upstream",
          ("4040", "3940", "3963"),  # 光学仪器; 雷达及配套设备; 智能无人飞行器 (aerial survey)
          "「大力开展航拍航测、农业生产等无人机研发制造」 (三(六) 通用航空)"),
        L("data_processing", "数据获取与处理", "Data acquisition and processing", "midstream",
          ("6571", "7441", "6550"),  # 地理遥感信息服务; 遥感测绘服务; 信息处理和存储支持服务
          "「提升多源、多尺度、多粒度、多模遥感数据处理与分析能力」 (三(三)2 高分遥感)"),
        L("applications", "行业应用", "Sector applications", "downstream",
          ("7449", "746", "7410"),  # 其他测绘地理信息服务; 环境与生态监测检测服务; 气象服务
          "「推动高分遥感在国土、测绘、环保、海洋气候等领域应用」 (三(三)2 高分遥感)"),
        L("rd", "技术研发", "Research and development", "services",
          ("7320",),  # 工程和技术研究和试验发展
          "「在高分遥感技术研发、产品研制、应用服务等领域形成先发优势」 (三(三)2 高分遥感)"),
    ),
    # ---------------------------------------------------------------- 生物医药 (plan 三(四))
    "biomed": (
        L("rd_services", "研发与第三方服务", "R&D, CRO/CDMO and testing", "upstream",
          ("7340", "7512", "7452"),  # 医学研究和试验发展 (not 7330, which is agricultural science); 生物技术推广; 检测
          "「推动医药第三方研发和生产服务」 (三(四) 生物医药)"),
        L("apis", "原料药与药用辅料", "APIs, extracts and excipients", "upstream",
          ("2710", "2730", "2780"),  # 化学药品原料药制造; 中药饮片加工; 药用辅料及包装材料制造
          "「支持中药及天然药物提取、分离、纯化、合成技术研发及其产业化」 (三(四) 生物医药)"),
        L("drugs", "药品制剂与生物制品", "Finished drugs and biologics", "midstream",
          ("2720", "2740", "276", "1492"),  # 化学药品制剂制造; 中成药生产; 生物药品制品制造 (2761 生物药品,
          # 2762 基因工程药物和疫苗); 保健食品制造 (the plan's 「支持发展高端生物保健食品」, same section)
          "「发展抗体药物、新型疫苗、诊断试剂等高端生物制品」 (三(四) 生物医药)"),
        L("devices", "医疗器械与耗材", "Medical devices and supplies", "midstream",
          ("358", "2770"),  # 医疗仪器设备及器械制造 (3581-3589); 卫生材料及医药用品制造
          "「聚焦高附加值生物医用材料、大中型医疗设备、家用医疗器械、保健器械、医用包装产品等细分领域」 (三(四) 生物医药)"),
        L("distribution", "医药流通与物流", "Distribution and pharma logistics", "downstream",
          ("515", "525", "5930"),  # 医药及医疗器材批发 (5151-5154); 医药及医疗器材专门零售; 低温仓储
          "「鼓励区内重点物流企业提供服务于药品、医疗器械及医用耗材等的医药物流服务」 (三(四) 生物医药)"),
        L("healthcare", "智慧医疗与医疗服务", "Healthcare and smart medicine", "downstream",
          ("84",),  # 卫生 (hospitals, 8492 临床检验服务, ...)
          "「探索智慧医疗新模式」 (三(四) 生物医药)"),
    ),
    # ---------------------------------------------------------------- 新材料 (plan 三(五))
    "newmat": (
        L("feedstock", "基础化工原料", "Chemical feedstock", "upstream",
          ("261",),  # 基础化学原料制造
          None),
        L("polymers", "先进高分子材料", "Advanced polymers", "midstream",
          ("265", "266", "2832"),  # 合成材料; 专用化学产品 (adhesives); 生物基、淀粉基新材料 (biodegradables)
          "「重点推动先进高性能聚烯烃、高端工程塑料、功能性粘贴剂、可生物降解塑料等高分子材料」 (三(五) 新材料)"),
        L("metals", "金属结构与功能材料", "Structural and functional metals", "midstream",
          ("3240", "325", "3393"),  # 有色金属合金; 有色金属压延加工; 锻件及粉末冶金制品
          "「耐高温、抗腐蚀、高强韧的金属结构材料、特种金属功能材料」 (三(五) 新材料)"),
        L("strategic", "前沿与关键战略材料", "Frontier and strategic materials", "midstream",
          ("3091", "3985", "306", "3073", "2641"),  # 石墨及碳素 (graphene); 电子专用材料; 玻纤及复合材料; 特种陶瓷; 涂料
          "「加快关键战略材料研发布局」 (三(五) 新材料)"),
        L("platforms", "检测认证与技术推广", "Testing, certification and promotion", "services",
          ("7513", "7452", "7455"),  # 新材料技术推广服务; 检测服务; 认证认可服务
          "「组建新材料创新中心、生产应用示范及检测认证中心等公共技术平台」 (三(五) 新材料)"),
        L("applications", "下游应用", "Downstream users", "downstream",
          ("36", "37", "38", "39"),  # 汽车; 航空航天等运输设备; 电气机械; 电子设备 (other than 3985 above)
          "「围绕战略性新兴产业发展和重大装备制造需求」 (三(五) 新材料)"),
    ),
    # ---------------------------------------------------------------- 航空 (plan 三(六) 通用航空)
    "aviation": (
        L("parts", "航空零部件与机载设备", "Aircraft parts and equipment", "upstream",
          ("3744",),  # 航空相关设备制造
          "「构建服务国产大飞机的零部件制造产业链」 (三(六) 通用航空)"),
        L("aircraft", "整机与无人机", "Aircraft and drones", "midstream",
          ("3741", "3749", "3963"),  # 飞机制造; 其他航空航天器制造; 智能无人飞行器制造
          "「围绕整机组装、零部件制造、展示交易、旅游观光、应急救灾等，推动无人机产业示范基地建设」 (三(六) 通用航空)"),
        L("mro", "维修检测", "Maintenance, repair and overhaul", "downstream",
          ("4343",),  # 航空航天器修理
          "「打造全球航空维修检测基地」 (三(六) 通用航空)"),
        L("operations", "通航运营", "General-aviation operation", "downstream",
          ("562", "563"),  # 通用航空服务 (5621-5629); 航空运输辅助活动
          "「打造现代通航配套服务生态」 (三(六) 通用航空)"),
        L("services", "航空配套服务", "Training, leasing and insurance", "services",
          ("8391", "6631", "7119", "6820"),  # 职业技能培训; 融资租赁; 其他机械与设备经营租赁; 财产保险
          "「集零部件制造、飞行员培训、航空材料配送、航空保险、飞机托管、直升机租赁、定检维修等为一体的配套服务产业体系」"
          " (三(六) 通用航空)"),
    ),
    # ---------------------------------------------------------------- 新能源汽车 (plan 三(七))
    "nev": (
        L("power", "动力电池与燃料电池", "Traction batteries and fuel cells", "upstream",
          ("3841", "3849"),  # 锂离子电池制造; 其他电池制造 (fuel cells)
          "「推进氢能源燃料堆、发动机、车载氢系统、整车等技术攻关和产品开发」 (三(七) 新能源汽车)"),
        L("e_drive_electronics", "电驱与智能网联部件", "E-drive and connected-car electronics", "upstream",
          ("3812", "3824", "3962"),  # 电动机制造; 电力电子元器件制造; 智能车载设备制造
          "「加强推进自动驾驶、车载操作系统、车载人工智能计算平台、智能座舱等关键技术及装备研发」 (三(七) 新能源汽车)"),
        L("parts", "关键零部件", "Key parts", "upstream",
          ("3670", "3660"),  # 汽车零部件及配件制造; 汽车车身、挂车制造
          "「培育发展一批具有持续创新能力的新能源汽车企业和关键零部件龙头企业」 (三(七) 新能源汽车)"),
        L("vehicles", "整车", "Vehicles", "midstream",
          ("3612", "3650"),  # 新能源车整车制造; 电车制造
          "「聚焦智能网联汽车和燃料电池汽车」 (三(七) 新能源汽车)"),
        L("energy_supply", "加氢与充电", "Hydrogen refuelling and charging", "downstream",
          ("5266", "5267"),  # 机动车燃气零售 (hydrogen stations); 机动车充电销售
          "「基本完善加氢、储氢、运输网络」 (三(七) 新能源汽车)"),
        L("auto_services", "新型汽车服务", "New car services", "services",
          ("7111", "5261", "4210"),  # 汽车租赁; 汽车新车零售; 金属废料和碎屑加工处理 (battery recycling)
          "「鼓励发展新能源共享汽车分时租赁，开展区域内新能源汽车动力蓄电池回收利用试点」 (三(七) 新能源汽车)"),
    ),
    # ---------------------------------------------------------------- 新能源 (plan 三(八), with 氢能)
    "newenergy": (
        L("equipment", "风电光伏装备", "Wind and solar equipment", "upstream",
          ("3415", "3825", "3811"),  # 风能原动设备; 光伏设备及元器件; 发电机及发电机组
          "「加快发展风电配套设备和关键零部件，提升薄膜太阳能关键设备研制能力」 (三(八) 节能环保)"),
        L("hydrogen", "氢能与燃料电池", "Hydrogen and fuel cells", "midstream",
          ("3849",),  # 其他电池制造 (fuel cells and stacks)
          "「打造氢能及燃料电池产业园」 (三(八) 节能环保)"),
        L("storage", "储能电池", "Energy-storage batteries", "midstream",
          ("3841", "3842"),  # 锂离子电池制造; 镍氢电池制造
          None),
        L("nuclear_supply", "核电配套", "Nuclear supply chain", "midstream",
          ("4027", "7484"),  # 核子及核辐射测量仪器制造; 工程设计活动
          "「导入科创研发、工程设计、装备制造等核电配套企业」 (三(八) 节能环保)"),
        L("generation", "新能源发电", "Renewable generation", "downstream",
          ("4415", "4416", "4417", "4419"),  # 风力发电; 太阳能发电; 生物质能发电; 其他电力生产
          "「推广光伏发电、智能电网」 (三(八) 节能环保)"),
        L("services", "检测与技术推广", "Testing and technology services", "services",
          ("7515", "7452"),  # 新能源技术推广服务; 检测服务
          "「国家级的氢能及燃料电池第三方检验监测机构和公共服务平台 1~2家」 (三(七) 新能源汽车)"),
    ),
    # ---------------------------------------------------------------- 节能环保 (plan 三(八); cluster 5)
    "eco": (
        L("agents", "环保材料与药剂", "Treatment agents and materials", "upstream",
          ("2666",),  # 环境污染处理专用药剂材料制造
          None),
        L("equipment", "节能环保装备", "Energy-saving and environmental equipment", "midstream",
          ("3591", "4021", "3411"),  # 环境保护专用设备; 环境监测专用仪器仪表; 锅炉及辅助设备 (waste-heat recovery)
          "「余热回收装备、废水废气处理、资源循环利用、绿色再制造等节能环保技术、装备、产品的研制和应用推广」 (三(八) 节能环保)"),
        L("recycling", "资源循环利用", "Recycling", "midstream",
          ("42", "5191"),  # 废弃资源综合利用业; 再生物资回收与批发
          "「发展节能环保、新材料、新能源、回收再利用等技术研发、装备研制、应用推广为一体的绿色制造产业」 (六 绿色制造组团)"),
        L("treatment", "污染治理与生态修复", "Pollution control and remediation", "downstream",
          ("772", "4620"),  # 环境治理业 (7721-7729); 污水处理及其再生利用
          "「大力推动能源集约利用、水资源循环利用等节能环保关键技术研发」 (三(八) 节能环保)"),
        L("services", "节能环保服务", "Environmental services", "services",
          ("7514", "7516", "7245", "746"),  # 节能技术推广; 环保技术推广; 环保咨询; 环境与生态监测检测服务
          "「探索发展生态环境修复、环境风险与损害评价、环境污染责任险、碳排放权交易等新兴环保服务业」 (三(八) 节能环保)"),
    ),
    # ---------------------------------------------------------------- 物流 (plan 五(二)2; cluster 2)
    "logistics": (
        L("equipment", "智能物流装备", "Smart logistics equipment", "upstream",
          ("343", "3963"),  # 物料搬运设备制造; 智能无人飞行器制造 (delivery drones)
          "「发展智能物流设备研发制造、无人机配送服务等新业态」 (六 智慧物流组团)"),
        L("transport", "干线与城市配送", "Freight transport and city delivery", "midstream",
          ("543", "5612"),  # 道路货物运输 (5437 城市配送); 航空货物运输
          None),
        L("warehousing", "仓储", "Warehousing", "midstream",
          ("59",),  # 装卸搬运和仓储业 (5920 通用仓储, 5930 低温仓储, ...)
          "「鼓励共同配送、云仓储、众包物流等共享模式」 (五(二)2)"),
        L("express", "快递", "Express delivery", "midstream",
          ("60",),  # 邮政业 (6020 快递服务)
          "「大力推进全国快递行业转型发展示范区和上海商贸服务型国家物流枢纽建设」 (五(二)2)"),
        L("supply_chain", "货运代理与供应链管理", "Forwarding and supply-chain management", "services",
          ("58", "7224"),  # 多式联运和运输代理业; 供应链管理服务
          "「提高面向供应链协同需求的物流响应能力」 (五(二)2)"),
        L("platforms", "智慧物流平台", "Smart logistics platforms", "services",
          ("6431",),  # 互联网生产服务平台 (freight-matching and logistics platforms)
          "「构建外通内联、高效便捷、融合实体的智慧物流平台」 (五(二)2)"),
    ),
    # ---------------------------------------------------------------- 会展 (plan 五(二)1; cluster 4)
    "expo": (
        L("design_build", "展览设计与搭建", "Stand design and building", "upstream",
          ("7492", "5011", "725"),  # 专业设计服务; 公共建筑装饰和装修; 广告业
          None),
        L("organising", "展会组织与场馆运营", "Organising and venues", "midstream",
          ("728",),  # 会议、展览及相关服务 (7281-7289)
          "「以国家会展中心（上海）为抓手」 (五(二)1)"),
        L("online", "云上会展", "Online exhibitions", "midstream",
          ("6439", "6579"),  # 其他互联网平台; 其他数字内容服务 (VR/AR)
          "「打造沉浸式全景在线产品」 (五(二)1)"),
        L("trading", "常年展示交易", "Year-round showrooms and trading", "downstream",
          ("5181", "5193"),  # 贸易代理; 互联网批发
          "「做优做强“6+365”常年展示交易平台」 (五(二)1)"),
        L("hospitality", "会展文旅与住宿餐饮", "Travel, hotels and catering", "services",
          ("61", "62", "7291"),  # 住宿业; 餐饮业; 旅行社及相关服务
          "「构建会展、文旅、设计、物流、信息服务、咨询评估、金融服务、法律咨询等会展全产业链经济平台」 (五(二)1)"),
        L("business_services", "会展物流与商务服务", "Expo logistics and business services", "services",
          ("5821", "723", "724"),  # 货物运输代理; 法律服务; 咨询与调查
          "「构建会展、文旅、设计、物流、信息服务、咨询评估、金融服务、法律咨询等会展全产业链经济平台」 (五(二)1)"),
    ),
}
del L


def link_of(industry: str, industry_code: str) -> ChainLink | None:
    """The link of ``industry``'s chain that a firm of GB/T 4754-2017 class ``industry_code`` belongs to.

    The longest code prefix listed in the chain wins ("3973" over "39"). ``industry_code`` may carry the section
    letter ("C3973"); None when the industry has no chain or no link lists a prefix of the code.
    """
    code = industry_code.strip().upper().lstrip("ABCDEFGHIJKLMNOPQRST").strip()
    best: ChainLink | None = None
    best_len = 0
    for link in CHAINS.get(industry, ()):
        for prefix in link.codes:
            if len(prefix) > best_len and code.startswith(prefix):
                best, best_len = link, len(prefix)
    return best
