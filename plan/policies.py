"""The plan's policy text for each zone and each plan industry, as an investor brief quotes it.

Authored from 《青浦区战略性新兴产业、先导产业、平台经济发展“十四五”规划》(青府办发〔2021〕63号): the
Chinese text is the plan's own wording (omissions marked ……, tested against the plan); the English is this
project's translation. ``section`` names the chapter a reader finds it in. Parks (kind ``park``) have no
text of their own in the plan: a brief quotes their parent zone's. Supporting measures (七、保障举措) apply
to every site and are quoted once (``MEASURES``).

This module imports nothing; tests check that every zone id and plan-industry id it names exists.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Policy", "ZONE_POLICY", "INDUSTRY_POLICY", "MEASURES", "PLAN_TITLE"]

PLAN_TITLE = ("《青浦区战略性新兴产业、先导产业、平台经济发展“十四五”规划》(青府办发〔2021〕63号)",
              "Qingpu District 14th Five-Year Plan for Strategic Emerging Industries, Pioneer Industries and "
              "the Platform Economy (Qingfubanfa [2021] No. 63)")


@dataclass(frozen=True)
class Policy:
    section: str
    zh: str
    en: str


ZONE_POLICY: dict[str, Policy] = {
    "core": Policy(
        "六、空间布局 · 一核",
        "依托青浦新城、青浦工业园区区位优势和良好的产业基础，着力打造“新兴产业创新制造核”。推动青浦工业园区转型升级，"
        "深化民用航空产业园、生物医药产业基地、国家新型工业化产业示范基地（新材料·青浦）等创新载体建设，发展以5G、物联网、"
        "大数据、人工智能等新一代信息技术为核心的“1+X”产业集群，壮大高端装备、民用航空、智能制造、生物医药、新能源、"
        "新材料等战略性新兴产业。",
        "Built on Qingpu New City and the Qingpu Industrial Park, the core is to become the district's innovation and "
        "manufacturing core for emerging industries: the industrial park is upgraded, the civil-aviation park, the "
        "biomedicine base and the national new-materials demonstration base are deepened, a “1+X” cluster of "
        "next-generation IT (5G, IoT, big data, AI) is developed, and high-end equipment, civil aviation, smart "
        "manufacturing, biomedicine, new energy and new materials are grown."),
    "corridor": Policy(
        "六、空间布局 · 一线",
        "打造“长三角数字干线”：依托G50高速、沪青平公路、轨交17号线、崧泽大道等串联虹桥国际开放枢纽、青浦新城和一体化示范区，"
        "中间连通西岑科创中心、市西软件信息园、新城大学科技园、北斗西虹桥基地、高分遥感产业化基地等数字经济创新园区以及"
        "徐泾、华新、朱家角、练塘等7个工业园区，推进物联网、集成电路、人工智能、软件信息、北斗导航、高分遥感、智能制造等"
        "产业高质量发展。",
        "The Yangtze Delta Digital Corridor runs along the G50 expressway, Huqingping Road, Metro Line 17 and Songze "
        "Avenue, linking the Hongqiao international hub, Qingpu New City and the integration demonstration zone, and "
        "the digital-economy parks and seven industrial parks on the way; it is to carry IoT, integrated circuits, AI, "
        "software, BeiDou navigation, remote sensing and smart manufacturing."),
    "cluster-software": Policy(
        "六、空间布局 · 多组团",
        "软件信息服务组团：徐泾镇、赵巷镇依托紧靠虹桥国际开放枢纽的区位优势，完善产业配套，主要构建由数字商贸业、信息服务业、"
        "北斗导航产业等组成的软件信息服务组团。",
        "Software and information services cluster: Xujing and Zhaoxiang, next to the Hongqiao hub, complete their "
        "supporting services and build a cluster of digital commerce, information services and BeiDou navigation."),
    "cluster-logistics": Policy(
        "六、空间布局 · 多组团",
        "智慧物流组团：发挥华新镇、重固镇快递物流头部企业集聚优势，着力打造支撑大会展、大物流的智慧物流平台。依托新一代信息技术"
        "和新基建，发展智能物流设备研发制造、无人机配送服务等新业态。",
        "Smart logistics cluster: Huaxin and Chonggu, where leading express and logistics firms gather, build a smart "
        "logistics platform for the exhibitions and large-scale logistics, and develop the R&D and manufacture of "
        "smart logistics equipment and drone delivery."),
    "cluster-manufacturing": Policy(
        "六、空间布局 · 多组团",
        "现代制造业和生产性服务业组团：华新镇、白鹤镇、重固镇围绕汽车零部件、交通运输零部件等高端装备，高端医疗器械等生命健康"
        "设备，发展高附加值现代制造业和支撑产业高质量发展的生产性服务业。",
        "Modern manufacturing and producer services cluster: Huaxin, Baihe and Chonggu develop high-value "
        "manufacturing around automotive and transport components (high-end equipment) and high-end medical devices, "
        "with the producer services that support them."),
    "cluster-expo": Policy(
        "六、空间布局 · 多组团",
        "商贸会展组团：依托国家会展中心、西虹桥商务区以及徐泾镇、赵巷镇、华新镇等区域商务载体和产业基地，发挥进口博览会带动作用，"
        "不断提升会展服务能级。加快培育跨境电子商务平台和企业，发展进口商品展示、交易、仓储等业态，打造跨境数字贸易新业态。",
        "Trade and exhibition cluster: around the National Exhibition and Convention Center and West Hongqiao, driven "
        "by the China International Import Expo, it raises exhibition services, grows cross-border e-commerce and the "
        "display, trading and warehousing of imported goods, and cross-border digital trade."),
    "cluster-green": Policy(
        "六、空间布局 · 多组团",
        "绿色制造组团：依托练塘镇、朱家角镇、金泽镇，聚焦打造“环淀山湖创新绿核”，以长三角“水乡客厅”、西岑科创中心建设为引领，"
        "构建绿色循环产业体系，发展节能环保、新材料、新能源、回收再利用等技术研发、装备研制、应用推广为一体的绿色制造产业。",
        "Green manufacturing cluster: Liantang, Zhujiajiao and Jinze, around the Dianshan Lake green innovation core, "
        "the “water-town living room” and the Xicen science centre, build a circular industrial system: green "
        "manufacturing that joins R&D, equipment and application in energy saving, new materials, new energy and "
        "recycling."),
}

INDUSTRY_POLICY: dict[str, Policy] = {
    "it": Policy(
        "三（一）高端信息产业",
        "聚焦集成电路、人工智能、软件信息服务业等重点领域，加快推进西岑科创中心、市西软件信息园、新城大学科技园等重要载体建设，"
        "以龙头项目为引领、以优势企业为支撑，做强新一代信息技术产业。",
        "Integrated circuits, AI and software services are the focus; the Xicen centre, the Shixi software park and "
        "the New City university science park are the carriers; lead projects and strong firms drive next-generation IT."),
    "ic": Policy(
        "三（一）1. 集成电路",
        "聚焦集成电路研发设计，推动重点突破和产业链集聚；构建以华为海思为核心的移动、通信、物联网芯片产业链，吸引一批上下游企业"
        "入驻西岑；发展高端封装测试产业，增强封测、设备和材料环节配套能力。“十四五”期间，集成电路产业规模年均增长20%左右。",
        "Chip design and R&D first, with the chain gathering around them: a mobile, communications and IoT chip chain "
        "around HiSilicon draws upstream and downstream firms to Xicen; advanced packaging and testing and the "
        "equipment and materials links are strengthened. Target: about 20 % growth a year."),
    "ai": Policy(
        "三（一）2. 人工智能",
        "布局人工智能芯片研发。依托西岑科创中心、美的上海全球创新园等载体平台，推进人工智能软件开发，引培高性能控制器、传感器、驱动器"
        "等关键零部件研发生产企业，打造一批具有示范效应的人工智能融合应用场景。“十四五”期间年均增长15%左右。",
        "AI chips at the Xicen centre and Midea's global innovation park, AI software, and the R&D and making of key "
        "parts (controllers, sensors, drives); demonstration scenes for AI applications. Target: about 15 % a year."),
    "software": Policy(
        "三（一）3. 软件信息",
        "加大自主可控基础软件研发，发展工业软件……经营类工业APP和工业云服务，培育新兴软件业态。推进软件产业向人工智能、云计算、大数据、区块链等关键领域和新兴业态延伸。"
        "“十四五”期间，软件和信息服务业收入年均增长15%左右。",
        "Home-grown base software, industrial software, industrial apps and cloud services, and new forms in AI, cloud, "
        "big data and blockchain. Target: revenue growth of about 15 % a year."),
    "iot": Policy(
        "六、空间布局 · 一核、一线",
        "一核……发展以5G、物联网、大数据、人工智能等新一代信息技术为核心的“1+X”产业集群；长三角数字干线……推进物联网、集成电路、人工智能、软件信息、北斗导航、高分遥感、智能制造等产业高质量发展。",
        "The core's “1+X” cluster is built on 5G, IoT, big data and AI; the digital corridor is to carry IoT among "
        "its industries."),
    "equip": Policy(
        "三（二）高端装备制造",
        "以高端化、智能化、服务化为导向，推进具有自感知、自控制、自决策、自执行功能的智能制造单元、工业机器人、仓储机器人等的研制和应用，提升高端数控机床、增材制造装备、智能仪器仪表、智能测控装备等重点领域研发制造水平，全面打响“青浦智造”品牌，形成高端装备制造百亿级特色产业集群。",
        "High-end, smart and service-oriented: smart manufacturing cells, industrial and warehouse robots, CNC machine "
        "tools, additive manufacturing and smart instruments, under the “Qingpu Smart Manufacturing” brand, towards a "
        "cluster worth ten billion yuan."),
    "beidou_rs": Policy(
        "三（三）北斗导航与高分遥感",
        "依托聚焦中国北斗产业技术创新西虹桥基地、中国北斗西虹桥基地赵巷园区、高分遥感西虹桥基地，做大做强北斗导航产业，培育集聚高分遥感产业。",
        "Around the West Hongqiao BeiDou bases and the remote-sensing base, BeiDou navigation is grown and remote "
        "sensing gathered."),
    "beidou": Policy(
        "三（三）1. 北斗导航",
        "加快集聚上游基础元器件产业，中游定位装置产业和下游运营服务产业，培育北斗行业领军企业；到2025年，力争青浦北斗导航产业实现营收100亿元，"
        "建成国家级北斗产业示范基地。",
        "Upstream components, midstream positioning devices and downstream operating services are to gather, with "
        "leading BeiDou firms; target revenue of 10 billion yuan and a national demonstration base by 2025."),
    "rs": Policy(
        "三（三）2. 高分遥感",
        "推进国内首个高分遥感产业化基地高分遥感西虹桥基地建设，加快集聚长三角乃至全国高分遥感领域上下游优质企业，建设长三角高分遥感数据应用服务中心。",
        "The first remote-sensing industrialisation base in China gathers upstream and downstream firms, with a "
        "Yangtze-delta remote-sensing data application centre."),
    "biomed": Policy(
        "三（四）生物医药",
        "依托青浦生物医药产业基地，做大做强高端医疗器械、生物制药和现代中药等优势领域的生产制造；积极承接张江核心区等区域研发创新"
        "成果产业化项目；到2025年，生物医药制造业规模以上工业企业实现产值160亿元。",
        "At the Qingpu biomedicine base: high-end medical devices, biopharmaceuticals and modern Chinese medicine, "
        "taking on the industrialisation of research from Zhangjiang and elsewhere; target output of 16 billion yuan "
        "by 2025."),
    "newmat": Policy(
        "三（五）新材料",
        "积极推进国家级新材料产业基地建设，推动……高分子材料和耐高温、抗腐蚀、高强韧的金属结构材料、特种金属功能材料等“功能性、环保型”材料产业升级，加快新一代信息材料、智能传感材料、生物医用材料、高性能纤维及复合材料、高端涂层材料、绿色新材料等关键战略材料的研发与布局；到2025年，新材料产业实现总产值200亿元。",
        "The national new-materials base upgrades functional, environment-friendly polymers and metals and places key "
        "strategic materials (information, biomedical, high-performance fibres and composites); target output of 20 "
        "billion yuan by 2025."),
    "aviation": Policy(
        "三（六）通用航空",
        "大力发展航空零部件配套与航空现代服务业体系，打造全球航空维修检测基地，构建服务国产大飞机的零部件制造产业链；依托上海青浦"
        "民用航空产业园，吸引集聚一批上下游配套企业。",
        "Aviation components and services: a global aircraft maintenance and testing base, a component chain for "
        "China's large aircraft, and upstream and downstream firms drawn to the civil-aviation park."),
    "nev": Policy(
        "三（七）新能源汽车",
        "聚焦智能网联汽车和燃料电池汽车，推进氢能产业链发展……推进新能源汽车关键技术研发，培育发展一批具有持续创新能力的新能源汽车企业和关键零部件龙头企业；到2025年，新能源汽车制造业实现产值约150亿元。",
        "Connected and fuel-cell vehicles: the hydrogen chain, key technologies and leading component firms; target "
        "output of about 15 billion yuan by 2025."),
    "newenergy": Policy(
        "三（八）节能环保",
        "发挥中石化氢能源（上海）总部引领作用，打造氢能及燃料电池产业园，加快发展风电配套设备和关键零部件，提升薄膜太阳能关键设备研制能力；到2025年，新能源及节能环保产业产值达到100亿元以上。",
        "Led by Sinopec's hydrogen headquarters: a hydrogen and fuel-cell park, wind-power parts and thin-film solar "
        "equipment; target output above 10 billion yuan by 2025 (with energy saving)."),
    "eco": Policy(
        "三（八）节能环保",
        "推动能源集约利用、水资源循环利用等节能环保关键技术研发，推广光伏发电、智能电网、余热回收装备、废水废气处理、资源循环利用、绿色再制造等节能环保技术、装备、产品的研制和应用推广。",
        "Energy and water efficiency, heat recovery, waste-water and exhaust treatment and recycling: their technology, "
        "equipment and products."),
    "6g": Policy("四、先导产业 · 1. 6G通信",
                 "依托华为青浦研发中心，开展6G前瞻研究，布局6G相关射频、低功耗、嵌入式存储、CIS、电源管理、存储器等工艺技术。",
                 "Forward research on 6G at Huawei's Qingpu R&D centre, with RF, low-power and embedded-memory processes."),
    "nextchip": Policy("四、先导产业 · 2. 下一代芯片",
                       "发挥海思芯片研发、东芯半导体等项目优势，前瞻研究下一代智能芯片，布局前沿材料产业。",
                       "Next-generation smart chips and their frontier materials, building on HiSilicon and Dosilicon."),
    "nextsatnav": Policy("四、先导产业 · 3. 新一代卫星导航",
                         "依托西虹桥北斗产业基地，加快新一代微小卫星、遥感卫星、量子卫星、卫星导航基础构件及终端设备研究和载荷研制。",
                         "New micro-satellites, navigation components, terminals and payloads at the West Hongqiao BeiDou base."),
    "precision_med": Policy("四、先导产业 · 4. 精准医疗",
                            "联动上海新虹桥国际医学中心，积极引进和培育国内外顶尖的基因检测、基因治疗、合成生物学、细胞治疗、肿瘤微创治疗及细胞检测、筛选、保存和生产等设备、器械、试剂研发制造企业。",
                            "With the New Hongqiao medical centre: firms that develop and make equipment, devices and "
                            "reagents for genetic testing and cell therapy."),
    "quantum": Policy("四、先导产业 · 5. 量子信息",
                      "依托华为青浦研发中心、复旦大学创新学院，探索建立量子科技领域实验室，开展量子通信、量子计算、量子模拟器等量子信息产业细分领域的核心技术研究。",
                      "Quantum laboratories with Huawei's R&D centre and Fudan's innovation institute: quantum "
                      "communication and computing."),
    "expo": Policy("六、空间布局 · 商贸会展组团",
                   "依托国家会展中心，发挥进口博览会带动作用，不断提升会展服务能级。",
                   "Around the National Exhibition and Convention Center and the Import Expo, exhibition services rise."),
    "logistics": Policy("六、空间布局 · 智慧物流组团",
                        "着力打造支撑大会展、大物流的智慧物流平台，发展智能物流设备研发制造、无人机配送服务等新业态。",
                        "A smart logistics platform for the exhibitions and large-scale logistics, smart logistics "
                        "equipment and drone delivery."),
    "trade": Policy("六、空间布局 · 商贸会展组团",
                    "加快培育跨境电子商务平台和企业，发展进口商品展示、交易、仓储等业态，打造跨境数字贸易新业态。",
                    "Cross-border e-commerce, the display, trading and warehousing of imported goods, digital trade."),
    "iiot": Policy("三（一）3. 软件信息",
                   "支持发展面向工业互联网的软件与服务，鼓励发展设计、生产、经营类工业APP和工业云服务。",
                   "Software and services for the industrial internet: industrial apps and cloud services."),
    "agri": Policy("三（三）2. 高分遥感",
                   "推动高分遥感在国土、测绘、环保、海洋气候等领域应用，以及在智慧农业、智能交通、智慧城市等领域新模式新业态创新。",
                   "Remote sensing applied in new forms of smart agriculture."),
}

MEASURES = Policy(
    "七、保障举措（三）加大资源要素支持",
    "整合优化现有产业园区资源，提高土地利用率与投资强度，探索产业用地容积率、建筑高度、复合功能、节余土地分割等政策创新和试点，"
    "推动不同产业用地类型合理转换；探索“基金+基地”扶持模式。",
    "Industrial parks are to raise land use and investment intensity, pilot new rules on plot ratio, building height, "
    "mixed use and the division of surplus land, allow reasonable conversion between industrial land types, and try "
    "a “fund + base” support model.")
