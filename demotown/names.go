package demotown

import "strconv"

var (
	districtWords = []string{
		"青园", "锦华", "金沙", "东湖", "龙泉", "望江", "翠屏", "桂溪", "玉林", "浣花",
		"芙蓉", "新都", "华阳", "双楠", "温泉", "青城", "天府", "文殊", "草堂", "石羊",
		"红星", "光华", "西城", "北湖", "南湖", "柳城", "梧桐", "白果", "杉板", "沙河",
	}
	communityWords = []string{
		"桃源", "杏林", "荷塘", "竹园", "梅岭", "兰亭", "菊坊", "松涛", "柏林", "枫林",
		"槐树", "柳岸", "清水", "石桥", "古井", "新民", "太平", "永安", "长乐", "福星",
		"吉祥", "如意", "和平", "团结", "友谊", "胜利", "光明", "幸福", "红旗", "向阳",
	}
	communitySuffix = []string{"", "东", "西", "南", "北", "新"}
	parkWords       = []string{
		"锦城", "翠湖", "望江", "百花", "桂湖", "浣溪", "青龙", "凤凰", "白鹭", "银杏",
		"海棠", "芙蓉", "紫薇", "杜鹃", "樱花", "碧水", "清风", "明月", "晨曦", "丹枫",
	}
	compoundA = []string{
		"锦华", "翠苑", "金桂", "丽景", "阳光", "明珠", "香榭", "蓝湾", "绿洲", "华府",
		"天悦", "御景", "君临", "雅居", "和美", "康城", "万象", "恒信", "嘉禾", "盛世",
		"星河", "富力", "东方", "南苑", "北辰", "西岭", "龙湖", "青枫", "融景", "中海",
	}
	compoundB = []string{"苑", "园", "小区", "花园", "家园", "公寓", "新村", "名邸", "华庭", "雅苑"}
	nsWords   = []string{"建设", "人民", "解放", "新华", "光明", "青年", "文化", "工业", "学府", "科技"}
	ewWords   = []string{"中山", "和平", "长江", "黄河", "民主", "复兴", "胜利", "团结", "东风", "前进"}
)

const (
	ringName     = "环城路"
	motorwayName = "成雅高速"
)

var cnDigits = []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// cnNumber writes 1 ≤ n ≤ 999 in Chinese numerals.
func cnNumber(n int) string {
	switch {
	case n < 10:
		return cnDigits[n]
	case n < 20:
		s := "十"
		if n%10 != 0 {
			s += cnDigits[n%10]
		}
		return s
	case n < 100:
		s := cnDigits[n/10] + "十"
		if n%10 != 0 {
			s += cnDigits[n%10]
		}
		return s
	case n < 1000:
		s := cnDigits[n/100] + "百"
		rem := n % 100
		switch {
		case rem == 0:
		case rem < 10:
			s += "零" + cnDigits[rem]
		default:
			s += cnDigits[rem/10] + "十"
			if rem%10 != 0 {
				s += cnDigits[rem%10]
			}
		}
		return s
	}
	return strconv.Itoa(n)
}

// nsName names the north–south street on grid line i.
func nsName(i int) string {
	return nsWords[i%len(nsWords)] + cnNumber(i/len(nsWords)+1) + "路"
}

// ewName names the east–west street on grid line j.
func ewName(j int) string {
	return ewWords[j%len(ewWords)] + cnNumber(j/len(ewWords)+1) + "街"
}

// idOf builds a source id like "parcel/12/7/3".
func idOf(prefix string, n ...int) string {
	b := make([]byte, 0, len(prefix)+4*len(n)+8)
	b = append(b, prefix...)
	for _, v := range n {
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(v), 10)
	}
	return string(b)
}

// parkName names the one-block park at (i, j).
func (t *town) parkName(i, j int) string {
	return parkWords[t.rng(tagName, i, j).IntN(len(parkWords))] + "公园"
}

// blockParkName names the park of block (i, j) if it is a one-block or a
// large park.
func (t *town) blockParkName(i, j int) string {
	if b := t.bigAt(i, j); b >= 0 {
		return t.bigParks[b].name
	}
	return t.parkName(i, j)
}
